"""Bearer tokens: issued and read with the shared secret; forged, expired and role-less ones refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect

import jwt
import pytest

from jixiao import auth
from jixiao.errors import Forbidden, InvalidInput, Unauthorized

pytestmark = pytest.mark.unit
SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_a_token_round_trips_roles_and_plan_qualified_units():
    token = auth.issue_token(SECRET, "黄小君", ["unit"], ["bailian-2026:v01", "bailian-2026:v02"], token_id="t1")
    who = auth.read_token(SECRET, token)
    assert who == auth.Principal(
        "黄小君", frozenset({"unit"}), frozenset({"bailian-2026:v01", "bailian-2026:v02"}), token_id="t1"
    )
    assert who.may_act_for("bailian-2026", "v01") and not who.may_act_for("bailian-2026", "v03")
    # the same unit id of another township or year is another unit
    assert not who.may_act_for("yanghe-2026", "v01") and not who.may_act_for("bailian-2027", "v01")


def test_a_plan_wide_scope_covers_one_plan_only():
    who = auth.read_token(SECRET, auth.issue_token(SECRET, "白莲镇", ["unit"], ["bailian-2026:*"]))
    assert who.may_act_for("bailian-2026", "v07") and not who.may_act_for("yanghe-2026", "v07")


def test_tokens_carry_an_issuer_and_an_id_and_revoked_ids_are_refused():
    token = auth.issue_token(SECRET, "张三", ["assessor"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "jixiao" and len(claims["jti"]) == 32
    assert auth.token_id_of(token) == claims["jti"]
    with pytest.raises(Unauthorized, match="revoked"):
        auth.read_token(SECRET, token, revoked=frozenset({claims["jti"]}))
    # a token signed with the secret but without issuer or id (an old or hand-made one) is refused
    bare = jwt.encode(
        {"sub": "x", "roles": ["office"], "aud": "jixiao", "exp": dt.datetime.now(dt.UTC) + dt.timedelta(days=1)},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(Unauthorized, match="not valid"):
        auth.read_token(SECRET, bare)


def test_bare_unit_ids_in_a_token_grant_nothing():
    token = jwt.encode(
        {
            "sub": "x",
            "roles": ["unit"],
            "units": ["v01", "*"],
            "aud": "jixiao",
            "iss": "jixiao",
            "jti": "j",
            "exp": dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        },
        SECRET,
        algorithm="HS256",
    )
    who = auth.read_token(SECRET, token)
    assert who.units == frozenset() and not who.may_act_for("p", "v01")


def test_forged_and_expired_tokens_are_refused():
    token = auth.issue_token(SECRET, "张三", ["assessor"])
    with pytest.raises(Unauthorized, match="not valid"):
        auth.read_token(SECRET + "x", token)
    with pytest.raises(Unauthorized, match="not valid"):
        auth.read_token(SECRET, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    old = auth.issue_token(SECRET, "张三", ["assessor"], days=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    with pytest.raises(Unauthorized, match="expired"):
        auth.read_token(SECRET, old)


@pytest.mark.parametrize(
    ("user", "roles", "units", "text"),
    [
        ("", ["office"], [], "needs a user"),
        ("x", [], [], "needs a user and roles"),
        ("x", ["boss"], [], "unknown: boss"),
        ("x", ["unit"], [], "must name the units"),
        ("x", ["unit"], ["v01"], "plan-qualified"),
        ("x", ["unit"], ["*"], "plan-qualified"),
    ],
)
def test_bad_token_requests(user, roles, units, text):
    with pytest.raises(InvalidInput, match=text):
        auth.issue_token(SECRET, user, roles, units)


async def test_require_and_unit_scope():
    officer = auth.Principal("黄小君", frozenset({"unit"}), frozenset({"p:v01"}))
    assessor = auth.Principal("张三", frozenset({"assessor"}))
    assert await auth.require("unit", "office")(officer) is officer
    with pytest.raises(Forbidden, match="assessor"):
        await auth.require("assessor")(officer)
    auth.require_unit(officer, "p", "v01")
    auth.require_unit(assessor, "p", "v09")  # assessors review every unit
    with pytest.raises(Forbidden, match="v02"):
        auth.require_unit(officer, "p", "v02")
    with pytest.raises(Forbidden, match="plan 'q'"):
        auth.require_unit(officer, "q", "v01")
    assert auth.actor_name(officer, "someone else") == "黄小君"
    assert auth.actor_name(auth.LOCAL_OPERATOR, "县绩效办") == "县绩效办"
    assert auth.LOCAL_OPERATOR.has("assessor") and auth.LOCAL_OPERATOR.may_act_for("p", "any")


def test_the_auth_dependencies_run_on_the_event_loop_not_on_a_worker_thread():
    # FastAPI sends a plain `def` dependency to its thread pool on every request
    officer = auth.Principal("黄小君", frozenset({"office"}))
    for dependency in (auth.signed_in, auth.require("office"), auth.current_principal):
        assert inspect.iscoroutinefunction(dependency), dependency
    assert asyncio.run(auth.signed_in(officer)) is officer
