"""Reports as a county leader sees it, on the running stack, in headless Chromium (Debian's `chromium`,
driven by Playwright through executable_path; no browser download): the ranking with group names, a score
card whose step-by-step sum is its total and matches scoring's explanation API to the cent, the notice
byte-identical after a later correction, an objection filed and answered, the language switch, charts,
the xlsx and the PDF. A screenshot of each page is written to $JIXIAO_TEST_ARTEFACTS (default
build/test-artefacts/reports/)."""

from __future__ import annotations

import asyncio
import html
import io
import os
import re
import shutil
import subprocess
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from jixiao.localstack.stack import running_stack
from jixiao.rules import exactjson
from jixiao.samples import BAILIAN_BUNDLE
from jixiao.testing.servers import initdb_cache
from jixiao_cli.client import StackClient, addresses
from jixiao_cli.commands.scoring_client import close, wait_until_consistent
from jixiao_cli.importer import import_bundle, read_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]  # a whole stack, then a browser

PLAN = "bailian-2026"
CENT = Decimal("0.01")
GROUPS = {"villages": "行政村（社区）", "agencies": "镇直单位"}
ARTEFACTS = Path(
    os.environ.get("JIXIAO_TEST_ARTEFACTS")
    or Path(__file__).resolve().parents[2] / "build" / "test-artefacts" / "reports"
)


def _ensure_debian(packages: list[str], present) -> str | None:
    """Install `packages` with apt-get when `present()` is false; the reason to skip, or None."""
    if present():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"needs Debian {' '.join(packages)} (not root, cannot install it)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, timeout=900)
        if done.returncode != 0:
            return (
                f"needs Debian {' '.join(packages)}; the package registry could not be reached: "
                f"{done.stderr.strip()[-300:]}"
            )
    return None if present() else f"installed {' '.join(packages)} but it is still not found"


@pytest.fixture(scope="module")
def chromium() -> str:
    reason = _ensure_debian(["chromium", "fonts-wqy-microhei"], lambda: shutil.which("chromium") is not None)
    if reason:
        pytest.skip(reason)
    return shutil.which("chromium")


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


async def _graded(http: httpx.AsyncClient, reports: str, version: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await http.get(f"{reports}/v1/plans/{PLAN}/periods/Y/rankings")
        if r.status_code == 200 and r.json()["snapshot_version"] == version:
            return r.json()
        await asyncio.sleep(0.5)
    raise AssertionError(f"reports did not show snapshot {version}")


async def test_reports_in_a_browser_on_the_running_stack(tmp_path, chromium):
    from playwright.async_api import async_playwright
    from pypdf import PdfReader

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    def phase(name: str) -> None:
        print(f"[reports e2e] {name}: {time.monotonic() - t0:.1f}s")

    # the Bailian year, its plan naming its ranking groups (scoring.md: plan.groups only label)
    doc = exactjson.loads(BAILIAN_BUNDLE.read_text("utf-8"))
    doc["plan"]["groups"] = GROUPS
    path = tmp_path / "bailian-2026.bundle.json"
    path.write_text(exactjson.dumps(doc), "utf-8")
    bundle = read_bundle(path)
    async with running_stack(tmp_path / "stack", pg_fsync=False, initdb_cache=initdb_cache()) as stack:
        client = StackClient(*addresses(stack))
        phase("stack up")
        await asyncio.to_thread(import_bundle, client, bundle)
        await asyncio.to_thread(wait_until_consistent, client, PLAN, 180)
        await asyncio.to_thread(close, client, PLAN, "Y", "e2e")
        reports = stack["services"]["reports"]["url"]
        scoring = stack["services"]["scoring"]["url"]
        async with httpx.AsyncClient(timeout=60) as http:
            ranking = await _graded(http, reports, 1)
            phase("imported, closed, shown")
            units = {r["unit"]: r for r in ranking["rankings"]}
            assert len(units) == 37

            # (6) score cards add up and match scoring's explanation API to the cent: per group the top three
            # and the last, every vetoed unit and the unit with the largest deduction (37 cards cost ~50 s here)
            sample = {r["unit"] for r in units.values() if r["vetoed"] or (r["rank"] or 99) <= 3}
            for group in {r["group"] for r in units.values()}:
                members = [r for r in units.values() if r["group"] == group]
                sample.add(max(members, key=lambda r: r["rank"] or 0)["unit"])
                sample.add(max(members, key=lambda r: Decimal(r["components"].get("inspection", "0")))["unit"])
            for unit, row in sorted((u, units[u]) for u in sample):
                page = (await http.get(f"{reports}/dashboard/{PLAN}/Y/{unit}")).text
                got = exactjson.loads(
                    (await http.get(f"{scoring}/v1/plans/{PLAN}/periods/Y/units/{unit}", params={"version": 1})).content
                )
                explanation = got["explanation"]
                steps = [Decimal(v) for v in re.findall(r'class="num step" data-value="([^"]+)"', page)]
                assert steps == [_cents(c["contribution"]) for c in explanation["components"]], unit
                total = re.search(r'id="sum-total"><strong>([^<]+)<', page).group(1)
                assert Decimal(total) == _cents(explanation["total_exact"]) == Decimal(row["total"]), unit
                assert Decimal(total) == _cents(got["score"]["total"]), unit
                leaves = [leaf for c in explanation["components"] for leaf in c.get("leaves", [])]
                assert leaves, unit
                for leaf in leaves:
                    what = leaf["indicator"] + (f"#{leaf['part']}" if leaf.get("part") else "")
                    assert f"<tr><td>{what}</td>" in page, (unit, what)
                    if leaf.get("input") is not None:  # a counted result: who confirmed it (and when) is shown
                        assert leaf["confirmed_by"] and leaf["confirmed_at"], (unit, what)
                        assert f'<td class="confirmed">{html.escape(leaf["confirmed_by"])} · ' in page, (unit, what)
                for comp in explanation["components"]:
                    if comp.get("deductions"):
                        assert comp["cap"] is not None, (unit, comp["key"])
                    for d in comp.get("deductions", []):  # date, aspect, inspection, appeal and outcome
                        cells = f"<td>{d['date']}</td><td>{html.escape(d['id'])}</td>"
                        assert cells in page, (unit, d["id"])
                        if d.get("inspection"):
                            assert f"<td>{html.escape(d['inspection'])}</td>" in page, (unit, d["id"])

            phase(f"{len(sample)} score cards")
            xlsx = await http.get(f"{reports}/v1/plans/{PLAN}/periods/Y/export.xlsx")
            assert load_workbook(io.BytesIO(xlsx.content)).sheetnames

            # a later correction: a new snapshot with its own notice; the old notice stays byte for byte
            notice_v1 = (await http.get(f"{reports}/notice/{PLAN}/Y/v1")).content
            # the notice shows scoring's own hash of the snapshot, so the two compare
            snaps = (await http.get(f"{scoring}/v1/plans/{PLAN}/periods/Y/snapshots")).json()["snapshots"]
            v1_hash = next(s["sha256"] for s in snaps if s["version"] == 1)
            assert f'id="notice-hash">{v1_hash}<' in notice_v1.decode(), v1_hash
            r = await http.post(
                f"{client.urls['inspections']}/v1/plans/{PLAN}/deductions/d14/revoke",
                json={"reason": "appeal granted on review"},
                headers={"X-Actor": "e2e"},
            )
            assert r.status_code == 200, r.text
            await asyncio.to_thread(wait_until_consistent, client, PLAN, 180)
            assert (await asyncio.to_thread(close, client, PLAN, "Y", "e2e correction"))["snapshot_version"] == 2
            await _graded(http, reports, 2)
            assert (await http.get(f"{reports}/notice/{PLAN}/Y/v1")).content == notice_v1
            assert (await http.get(f"{reports}/notice/{PLAN}/Y")).headers["x-snapshot-version"] == "2"

        phase("correction shown")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")  # Accept-Language

            # the ranking: every unit, with its group's name; charts with data
            await page.goto(f"{reports}/dashboard/{PLAN}/Y")
            await page.screenshot(path=str(ARTEFACTS / "dashboard.zh-CN.png"), full_page=True)
            body = await page.inner_text("body")
            headings = dict(
                await page.locator("section.group").evaluate_all(
                    "ss => ss.map(s => [s.dataset.group, s.querySelector('h2').innerText])"
                )
            )
            for unit, row in units.items():
                assert row["unit_name"] and row["unit_name"] in body, unit
                assert row["group_name"] == GROUPS[row["group"]] and GROUPS[row["group"]] in headings[row["group"]], (
                    unit
                )
            assert await page.locator("svg#grade-chart rect[data-value]").count() >= 3
            assert (
                sum(
                    int(v)
                    for v in await page.locator("svg#grade-chart rect").evaluate_all(
                        "rs => rs.map(r => r.dataset.value)"
                    )
                )
                == 37
            )

            # the language switch
            async with page.expect_navigation():
                await page.click("#lang-switch")
            assert await page.get_attribute("html", "lang") == "en"
            assert "performance ranking" in await page.inner_text("h1")
            await page.screenshot(path=str(ARTEFACTS / "dashboard.en.png"), full_page=True)
            async with page.expect_navigation():
                await page.click("#lang-switch")
            assert await page.get_attribute("html", "lang") == "zh-CN"

            # a score card: the step-by-step sum equals the total
            first = next(iter(sorted(units.values(), key=lambda r: (r["group"], r["rank"]))))
            await page.goto(f"{reports}/dashboard/{PLAN}/Y/{first['unit']}")
            await page.screenshot(path=str(ARTEFACTS / "score-card.png"), full_page=True)
            steps = await page.locator("td.step").evaluate_all("cs => cs.map(c => c.dataset.value)")
            shown = Decimal(await page.inner_text("#sum-total"))
            assert abs(sum(Decimal(s) for s in steps) - shown) <= CENT * len(steps) / 2 + CENT / 2
            assert shown == Decimal(first["total"])

            # the notice: file an objection in the form, answer it as the office
            await page.goto(f"{reports}/notice/{PLAN}/Y")
            await page.select_option("select[name=unit]", first["unit"])
            await page.fill("textarea[name=text]", "对本单位得分有异议，请复核。")
            async with page.expect_navigation():
                await page.click("form.noprint button[type=submit]")
            assert "收到异议 1 件，已答复 0 件" in await page.inner_text("#objection-count")
            await page.fill("li.objection textarea[name=answer]", "已复核，结果无误。")
            async with page.expect_navigation():
                await page.click("li.objection button[type=submit]")
            assert "收到异议 1 件，已答复 1 件" in await page.inner_text("#objection-count")
            await page.screenshot(path=str(ARTEFACTS / "notice.png"), full_page=True)

            for path, name in (
                (f"/lists/{PLAN}/Y/commendation", "commendation"),
                (f"/lists/{PLAN}/Y/criticism", "criticism"),
                (f"/reports/{PLAN}/Y/annual-report", "annual-report"),
            ):
                await page.goto(reports + path)
                await page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
            await browser.close()

        phase("browser")
        async with httpx.AsyncClient(timeout=120) as http:
            # the PDF: every unit's name and grade in Chinese
            pdf = await http.get(f"{reports}/reports/{PLAN}/Y/annual-report-zh-CN.pdf")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            (ARTEFACTS / "annual-report.zh-CN.pdf").write_bytes(pdf.content)
            text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
            for row in units.values():
                line = re.search(re.escape(row["unit_name"]) + r"[^\n]*", text)
                assert line and row["grade_label"] in line.group(0), row["unit"]
        phase("pdf")
