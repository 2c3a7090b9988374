"""deploy/compose.yaml, read as Docker Compose would (YAML merge keys, ${VAR} from deploy/.env), checked
against the code: images, commands, settings, ports, probe paths, topics and ACLs; and every service's
app started in production mode with exactly the environment compose gives it."""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import runpy
import subprocess

import httpx
import pytest
from facts import known_settings, partitions_default, scoring_sources, services
from tools import DEPLOY

pytestmark = pytest.mark.unit

THIRD_PARTY = ("postgres:", "apache/kafka:", "prom/prometheus:", "grafana/grafana:")
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (and $$ for a literal $)."""

    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if name in env and (env[name] or not (op or "").startswith(":")):
            return env[name]
        if op and op.endswith("?"):
            raise KeyError(f"${{{name}}} is required: {arg}")
        return arg if op else ""

    return _VAR.sub(one, text.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def secrets_env() -> dict[str, str]:
    """A deploy/.env as the README makes it: `python3 deploy/make-env.py > deploy/.env`."""
    values = runpy.run_path(str(DEPLOY / "make-env.py"))["values"]()
    done = subprocess.run(["python3", str(DEPLOY / "make-env.py")], capture_output=True, text=True, check=True)
    assert set(values) == {line.partition("=")[0] for line in done.stdout.splitlines() if "=" in line}
    return values


@pytest.fixture(scope="module")
def compose(yaml, secrets_env) -> dict:
    return yaml.safe_load(interpolate((DEPLOY / "compose.yaml").read_text(), secrets_env))


def jixiao_services(compose: dict) -> dict[str, dict]:
    """The containers that run our image (the five services and migrate)."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc}


def env_of(svc: dict) -> dict[str, str]:
    return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (svc.get("environment") or {}).items()}


def test_every_secret_is_interpolated_from_the_env_file(yaml, secrets_env):
    text = (DEPLOY / "compose.yaml").read_text()
    with pytest.raises(KeyError, match="make-env"):
        interpolate(text, {})
    used = set(_VAR.findall(text.replace("$$", "")))
    assert {name for name, _, _ in used} - {"JIXIAO_TAG"} == set(secrets_env), "make-env.py and compose.yaml disagree"


def test_images_are_built_from_the_one_dockerfile_or_are_known_infrastructure(compose):
    ours = jixiao_services(compose)
    assert set(ours) == {*services(), "migrate"}
    for name, svc in compose["services"].items():
        if name in ours:
            assert svc["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
            assert svc["image"].startswith("jixiao:"), name
        else:
            assert svc["image"].startswith(THIRD_PARTY), f"{name}: {svc['image']} is neither ours nor known"
    assert (DEPLOY / "Dockerfile").exists() and not (DEPLOY.parent / "Dockerfile").exists(), "one Dockerfile"


def test_the_dockerfile_is_multi_stage_non_root_and_runs_our_processes():
    text = (DEPLOY / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0")), user


def test_each_service_runs_its_own_process_and_migrate_runs_first(compose):
    ours = jixiao_services(compose)
    assert ours["migrate"]["command"] == ["jixiao", "migrate"]
    for name in services():
        svc = ours[name]
        assert svc["command"] == ["python", "-m", "jixiao.run", name]
        assert svc["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert svc["depends_on"]["kafka-init"] == {"condition": "service_completed_successfully"}
        assert svc["read_only"] is True and svc["tmpfs"] == ["/tmp"], f"{name}: read-only root filesystem"


def test_every_variable_is_a_known_setting_and_production_needs_are_met(compose):
    known = known_settings()
    problems = []
    for name, svc in jixiao_services(compose).items():
        env = env_of(svc)
        problems += [f"{name}: {k} is not a setting" for k in env if k not in known]
        if name == "migrate":
            problems += [f"migrate: {k} missing" for k in ("JIXIAO_DATABASE_URL",) if k not in env]
            continue
        facts = services()[name]
        required = {
            "JIXIAO_ENV": "production",
            "JIXIAO_HTTP_HOST": "0.0.0.0",
            "JIXIAO_SECRET_KEY": None,
            "JIXIAO_DATABASE_URL": None,
            "JIXIAO_KAFKA_BOOTSTRAP": None,
            "JIXIAO_KAFKA_REPLICATION": "3",
            "JIXIAO_KAFKA_IDEMPOTENCE": "true",
            "JIXIAO_KAFKA_ACKS": "all",
            "JIXIAO_KAFKA_SASL_USERNAME": f"jixiao-{name}",
            "JIXIAO_KAFKA_SASL_PASSWORD": None,
        }
        if facts.grpc:
            required |= {"JIXIAO_GRPC_HOST": "0.0.0.0", "JIXIAO_GRPC_PORT": None}
        if name == "surveys":
            required["JIXIAO_PII_KEY"] = None
        if name == "scoring":  # reconciliation and year-end re-score need every source's SnapshotService
            for source, var in scoring_sources().items():
                required[var] = f"{source}:{env_of(compose['services'][source])['JIXIAO_GRPC_PORT']}"
        for key, want in required.items():
            if key not in env or not env[key]:
                problems.append(f"{name}: {key} is not set")
            elif want is not None and env[key] != want:
                problems.append(f"{name}: {key}={env[key]!r}, want {want!r}")
    assert not problems, "\n".join(problems)


def test_health_checks_and_ports_exist_in_the_code(compose):
    for name, facts in services().items():
        svc = compose["services"][name]
        port = env_of(svc)["JIXIAO_HTTP_PORT"]
        probe = " ".join(svc["healthcheck"]["test"])
        path = re.search(rf"127\.0\.0\.1:{port}(/\w+)", probe)
        assert path and path.group(1) in facts.routes, f"{name}: health check {probe!r}"
        assert all(p.endswith(f":{port}") for p in svc["ports"]), f"{name}: published ports {svc['ports']}"


def test_kafka_is_three_kraft_brokers_with_rf3_min_isr2_and_sasl(compose):
    brokers = {
        n: s
        for n, s in compose["services"].items()
        if s.get("image", "").startswith("apache/kafka") and "KAFKA_NODE_ID" in (s.get("environment") or {})
    }
    assert len(brokers) == 3
    for name, svc in brokers.items():
        env = env_of(svc)
        assert (env["KAFKA_DEFAULT_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2"), name
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller" and "PLAINTEXT" not in env[
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"
        ].replace("SASL_PLAINTEXT", "")
        assert (
            env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
            and "StandardAuthorizer" in env["KAFKA_AUTHORIZER_CLASS_NAME"]
        )
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    bootstrap = {f"{n}:9092" for n in brokers}
    for name, svc in jixiao_services(compose).items():
        if name != "migrate":
            assert set(env_of(svc)["JIXIAO_KAFKA_BOOTSTRAP"].split(",")) == bootstrap, name


def init_script() -> dict[str, list[tuple[str, ...]]]:
    """The calls of deploy/kafka/init.sh: topic NAME RETENTION, user SVC, write SVC TOPIC, read_ SVC TOPIC."""
    calls: dict[str, list[tuple[str, ...]]] = {"topic": [], "user": [], "write": [], "read_": []}
    for line in (DEPLOY / "kafka" / "init.sh").read_text().splitlines():
        words = line.split()
        if words and words[0] in calls and not line.rstrip().endswith("{"):
            calls[words[0]].append(tuple(words[1:]))
    return calls


def test_kafka_init_creates_the_codes_topics_users_and_acls(compose):
    from jixiao.messaging.topics import ALL_TOPICS

    done = subprocess.run(["sh", "-n", str(DEPLOY / "kafka" / "init.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = init_script()
    assert sorted(t for t, _ in calls["topic"]) == sorted(ALL_TOPICS)
    assert env_of(compose["services"]["kafka-init"])["PARTITIONS"] == str(partitions_default())
    for name in jixiao_services(compose):
        if name != "migrate":
            assert env_of(compose["services"][name]).get("JIXIAO_KAFKA_PARTITIONS") == str(partitions_default())
    assert sorted(u for (u,) in calls["user"]) == sorted(services())
    writes = {(s, t) for s, t in calls["write"]}
    reads = {(s, t) for s, t in calls["read_"]}
    assert writes == {(f.name, f.publishes) for f in services().values() if f.publishes}
    assert reads == {(f.name, t) for f in services().values() for t in f.consumes}
    # kafka-init's password variables are the ones the services log in with
    init_env = env_of(compose["services"]["kafka-init"])
    for name in services():
        assert init_env[f"PASSWORD_{name.upper()}"] == env_of(compose["services"][name])["JIXIAO_KAFKA_SASL_PASSWORD"]


def test_prometheus_loads_the_alerts_and_scrapes_every_service(compose, yaml):
    prom = compose["services"]["prometheus"]
    assert "./prometheus:/etc/prometheus:ro" in prom["volumes"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"] and (DEPLOY / "prometheus" / "alerts.yml").exists()
    jobs = {j["job_name"]: j["static_configs"][0]["targets"] for j in config["scrape_configs"]}
    for name in services():
        assert jobs[name] == [f"{name}:{env_of(compose['services'][name])['JIXIAO_HTTP_PORT']}"]


def test_grafana_is_provisioned_with_the_datasource_and_dashboards(compose, yaml):
    volumes = compose["services"]["grafana"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in volumes
    mount = next(v for v in volumes if v.startswith("./grafana/dashboards:")).split(":")[1]
    providers = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "jixiao.yaml").read_text())
    assert providers["providers"][0]["options"]["path"] == mount
    sources = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yaml").read_text())
    assert sources["datasources"][0]["url"] == "http://prometheus:9090"


@pytest.mark.parametrize("name", sorted(services()))
async def test_each_service_starts_in_production_with_composes_environment(name, compose, monkeypatch):
    """create_app reads the settings exactly as `python -m jixiao.run` does, refuses bad ones (PII key,
    secret key, Kafka security), then starts: gRPC server, relay and consumer tasks, on_start hooks.
    The database and brokers are not reachable here, so /readyz says so; /healthz answers.
    Only the gRPC port is changed (to 0): a fixed port would collide with other test runs on this host."""
    for key in list(os.environ):
        if key.startswith("JIXIAO_"):
            monkeypatch.delenv(key)
    env = env_of(compose["services"][name])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JIXIAO_GRPC_PORT", "0")
    from jixiao.settings import ServiceSettings

    settings = ServiceSettings(service=name)  # what jixiao.run does
    app = importlib.import_module(f"services.{name}.app").create_app(settings)
    runtime = app.state.runtime
    assert (runtime.settings.env, runtime.settings.http_host, runtime.settings.auth_required) == (
        "production",
        "0.0.0.0",
        True,
    )
    assert runtime.settings.migrate is False and runtime.kafka.kafka_security_protocol == "SASL_PLAINTEXT"
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        if services()[name].grpc:
            assert runtime.grpc_port and runtime.settings.grpc_host == "0.0.0.0"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            assert (await http.get("/healthz")).status_code == 200
