"""deploy/k8s: generated files fresh, the production overlay rendered (kubectl kustomize, or our Python
renderer where no Kustomize is installed), built-in kinds validated by kubernetes-validate, and the
Strimzi/CNPG/Prometheus-operator resources checked against the code."""

from __future__ import annotations

import runpy

import pytest
import render
from facts import known_settings, partitions_default, scoring_sources, services
from tools import DEPLOY, python_module

pytestmark = pytest.mark.unit

K8S = DEPLOY / "k8s"
OVERLAY = K8S / "overlays" / "production"
KUBERNETES_VERSION = "1.30"  # the oldest Kubernetes the manifests are meant for
SECRETS_DOCUMENTED = {"jixiao-secrets": {"secret-key", "pii-key"}}  # `kubectl create secret` in deploy/README.md
CUSTOM_API_GROUPS = {"kafka.strimzi.io/v1beta2", "postgresql.cnpg.io/v1", "monitoring.coreos.com/v1"}


@pytest.fixture(scope="module")
def rendered(yaml) -> list[dict]:
    objects, _how = render.build(OVERLAY)
    return objects


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(obj: dict) -> list[dict]:
    spec = obj["spec"]["template"]["spec"]
    return spec.get("containers", []) + spec.get("initContainers", [])


def test_generated_manifests_are_fresh(yaml):
    generate = runpy.run_path(str(K8S / "generate.py"))
    stale = [
        str(p.relative_to(DEPLOY)) for p, text in generate["files"]().items() if not p.exists() or p.read_text() != text
    ]
    assert not stale, f"run `python deploy/k8s/generate.py`: {stale}"


def test_our_renderer_agrees_with_kustomize(yaml):
    if render.tool() is None:
        pytest.skip("no kubectl or kustomize here: the Python renderer alone renders deploy/k8s")
    real, how = render.build(OVERLAY)
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(render.python_build(OVERLAY), key=key) == sorted(real, key=key), f"differs from {how}"


def test_built_in_kinds_pass_kubernetes_validate(rendered):
    kv = python_module("kubernetes_validate", "kubernetes-validate>=1.30")
    problems = []
    for obj in rendered:
        if obj["apiVersion"] in CUSTOM_API_GROUPS:
            continue
        try:
            kv.validate(obj, KUBERNETES_VERSION, strict=True)
        except kv.ValidationError as exc:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
    assert not problems, "\n".join(problems)


def test_custom_resources_use_the_operators_api_versions(rendered):
    kinds = {(o["apiVersion"], o["kind"]) for o in rendered if o["apiVersion"] in CUSTOM_API_GROUPS}
    assert kinds == {
        ("kafka.strimzi.io/v1beta2", "Kafka"),
        ("kafka.strimzi.io/v1beta2", "KafkaNodePool"),
        ("kafka.strimzi.io/v1beta2", "KafkaTopic"),
        ("kafka.strimzi.io/v1beta2", "KafkaUser"),
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("monitoring.coreos.com/v1", "PrometheusRule"),
    }
    assert {o["metadata"].get("namespace") for o in rendered if o["kind"] != "Namespace"} == {"jixiao"}


def test_a_deployment_service_and_pdb_per_service_built_from_our_image(rendered):
    deployments, svcs, pdbs = (
        of_kind(rendered, "Deployment"),
        of_kind(rendered, "Service"),
        of_kind(rendered, "PodDisruptionBudget"),
    )
    assert set(deployments) == set(svcs) == set(pdbs) == set(services())
    images = {c["image"] for o in rendered if o["kind"] in ("Deployment", "Job") for c in containers(o)}
    assert len(images) == 1 and images.pop().split(":")[0].endswith("/jixiao"), "one image, from deploy/Dockerfile"
    base = [o for f in (K8S / "base").glob("*.yaml") for o in _load(f) if o.get("kind") in ("Deployment", "Job")]
    assert {c["image"] for o in base for c in containers(o)} == {"jixiao"}, "the base names the image compose builds"
    for name in services():
        (c,) = containers(deployments[name])
        assert c["command"] == ["python", "-m", "jixiao.run", name]
        assert pdbs[name]["spec"]["selector"] == deployments[name]["spec"]["selector"]
        assert svcs[name]["spec"]["selector"] == deployments[name]["spec"]["selector"]["matchLabels"]


def test_probes_and_ports_exist_in_the_code(rendered):
    config = of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]
    for name, facts in services().items():
        deployment = of_kind(rendered, "Deployment")[name]
        (c,) = containers(deployment)
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        want = {"http": int(config["JIXIAO_HTTP_PORT"])} | (
            {"grpc": int(config["JIXIAO_GRPC_PORT"])} if facts.grpc else {}
        )
        assert ports == want, name
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert {"/readyz", "/healthz", "/metrics"} <= facts.routes, name
        service_ports = {p["name"]: p["port"] for p in of_kind(rendered, "Service")[name]["spec"]["ports"]}
        assert service_ports == want, name


def test_pods_are_non_root_read_only_and_bounded(rendered):
    for obj in [*of_kind(rendered, "Deployment").values(), *of_kind(rendered, "Job").values()]:
        pod = obj["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        for c in containers(obj):
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, obj["metadata"]["name"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False
            assert c["resources"]["requests"] and c["resources"]["limits"], obj["metadata"]["name"]
            assert any(m["mountPath"] == "/tmp" for m in c["volumeMounts"])


def test_settings_are_known_secrets_are_references_and_production_needs_are_met(rendered):
    known = known_settings()
    config = of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]
    assert not of_kind(rendered, "Secret"), "secrets are never in the manifests"
    produced = dict(SECRETS_DOCUMENTED)
    produced |= {name: {"password"} for name in of_kind(rendered, "KafkaUser")}
    produced |= {f"{name}-cluster-ca-cert": {"ca.crt"} for name in of_kind(rendered, "Kafka")}
    produced |= {f"{name}-app": {"uri"} for name in of_kind(rendered, "Cluster")}
    problems = [f"ConfigMap: {k} is not a setting" for k in config if k not in known]
    for obj in [*of_kind(rendered, "Deployment").values(), *of_kind(rendered, "Job").values()]:
        name = obj["metadata"]["name"]
        for c in containers(obj):
            assert [e["configMapRef"]["name"] for e in c["envFrom"]] == ["jixiao-config"]
            env = {e["name"]: e for e in c.get("env", [])}
            problems += [f"{name}: {k} is not a setting" for k in env if k not in known]
            for e in env.values():
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["key"] not in produced.get(ref["name"], ()):
                    problems.append(f"{name}: secret {ref['name']}/{ref['key']} is made by nobody")
            for key in ("JIXIAO_SECRET_KEY", "JIXIAO_PII_KEY", "JIXIAO_DATABASE_URL", "JIXIAO_KAFKA_SASL_PASSWORD"):
                if key in env and "value" in env[key]:
                    problems.append(f"{name}: {key} is inlined, not a secret reference")
        for vol in obj["spec"]["template"]["spec"].get("volumes", []):
            if "secret" in vol:
                keys = {i["key"] for i in vol["secret"].get("items", [])}
                if vol["secret"]["secretName"] not in produced or not keys <= produced[vol["secret"]["secretName"]]:
                    problems.append(f"{name}: secret volume {vol['secret']['secretName']} is made by nobody")
        if obj["kind"] == "Job":
            continue
        have = set(config) | set(env)
        needed = {
            "JIXIAO_ENV",
            "JIXIAO_SECRET_KEY",
            "JIXIAO_DATABASE_URL",
            "JIXIAO_KAFKA_BOOTSTRAP",
            "JIXIAO_HTTP_HOST",
            "JIXIAO_KAFKA_SASL_USERNAME",
            "JIXIAO_KAFKA_SASL_PASSWORD",
        }
        needed |= {"JIXIAO_PII_KEY"} if name == "surveys" else set()
        needed |= set(scoring_sources().values()) if name == "scoring" else set()
        problems += [f"{name}: {k} is not set" for k in sorted(needed - have)]
        if name == "scoring":
            problems += [
                f"scoring: {var} does not point at {src}:{config['JIXIAO_GRPC_PORT']}"
                for src, var in scoring_sources().items()
                if env[var].get("value") != f"{src}:{config['JIXIAO_GRPC_PORT']}"
            ]
        if env["JIXIAO_KAFKA_SASL_USERNAME"].get("value") not in of_kind(rendered, "KafkaUser"):
            problems.append(f"{name}: logs in as a Kafka user that is not declared")
    assert (config["JIXIAO_ENV"], config["JIXIAO_HTTP_HOST"], config["JIXIAO_GRPC_HOST"]) == (
        "production",
        "0.0.0.0",
        "0.0.0.0",
    )
    assert (
        config["JIXIAO_KAFKA_SECURITY_PROTOCOL"],
        config["JIXIAO_KAFKA_ACKS"],
        config["JIXIAO_KAFKA_IDEMPOTENCE"],
    ) == ("SASL_SSL", "all", "true")
    assert not problems, "\n".join(problems)


def test_kafka_is_kraft_rf3_min_isr2_tls_scram_with_acls(rendered):
    (kafka,) = of_kind(rendered, "Kafka").values()
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    spec = kafka["spec"]["kafka"]
    assert (spec["config"]["default.replication.factor"], spec["config"]["min.insync.replicas"]) == (3, 2)
    assert spec["authorization"] == {"type": "simple"}
    assert all(lis["tls"] and lis["authentication"]["type"] == "scram-sha-512" for lis in spec["listeners"])
    (pool,) = of_kind(rendered, "KafkaNodePool").values()
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    config = of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]
    listener = spec["listeners"][0]
    assert config["JIXIAO_KAFKA_BOOTSTRAP"] == f"{kafka['metadata']['name']}-kafka-bootstrap:{listener['port']}"


def test_topics_match_the_code(rendered):
    from jixiao.messaging.topics import ALL_TOPICS

    config = of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind(rendered, "KafkaTopic").values()}
    assert sorted(topics) == sorted(ALL_TOPICS)
    for name, spec in topics.items():
        assert spec["partitions"] == int(config["JIXIAO_KAFKA_PARTITIONS"]) == partitions_default(), name
        assert spec["replicas"] == int(config["JIXIAO_KAFKA_REPLICATION"]) == 3, name
        assert spec["config"]["min.insync.replicas"] == 2 and spec["config"]["retention.ms"] > 0, name


def test_each_user_may_write_only_its_topic_and_read_what_it_consumes(rendered):
    users = of_kind(rendered, "KafkaUser")
    assert set(users) == {f"jixiao-{name}" for name in services()}
    for name, facts in services().items():
        acls = users[f"jixiao-{name}"]["spec"]["authorization"]["acls"]
        assert users[f"jixiao-{name}"]["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert all(a["resource"].get("patternType", "literal") == "literal" for a in acls), "no prefix or * grants"
        writes = {
            a["resource"]["name"] for a in acls if a["resource"]["type"] == "topic" and "Write" in a["operations"]
        }
        reads = {a["resource"]["name"] for a in acls if a["resource"]["type"] == "topic" and "Read" in a["operations"]}
        groups = {a["resource"]["name"] for a in acls if a["resource"]["type"] == "group"}
        assert writes == ({facts.publishes} if facts.publishes else set()), name
        assert reads == set(facts.consumes), name
        assert groups == ({facts.group} if facts.consumes else set()), name
        assert all(set(a["operations"]) <= {"Read", "Write", "Describe"} for a in acls), name


def test_scoring_scales_up_to_the_partition_count(rendered):
    (hpa,) = of_kind(rendered, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "scoring"
    config = of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]
    partitions = min(
        t["spec"]["partitions"]
        for t in of_kind(rendered, "KafkaTopic").values()
        if t["spec"]["topicName"] in services()["scoring"].consumes
    )
    assert (
        2
        <= hpa["spec"]["minReplicas"]
        <= hpa["spec"]["maxReplicas"]
        <= partitions
        == int(config["JIXIAO_KAFKA_PARTITIONS"])
    )
    assert "replicas" not in of_kind(rendered, "Deployment")["scoring"]["spec"], "the HPA owns scoring's replicas"


def test_database_is_a_cnpg_cluster_whose_app_secret_the_services_read(rendered):
    (cluster,) = of_kind(rendered, "Cluster").values()
    assert cluster["spec"]["instances"] >= 3 and cluster["spec"]["bootstrap"]["initdb"]["database"] == "jixiao"


def test_migrate_job_runs_jixiao_migrate(rendered):
    (job,) = of_kind(rendered, "Job").values()
    (c,) = containers(job)
    assert c["command"] == ["jixiao", "migrate"]


def test_monitoring_scrapes_every_service_and_carries_the_alert_rules(rendered, yaml):
    (monitor,) = of_kind(rendered, "ServiceMonitor").values()
    selector = monitor["spec"]["selector"]["matchLabels"]
    scraped = {
        n for n, s in of_kind(rendered, "Service").items() if selector.items() <= s["metadata"]["labels"].items()
    }
    assert scraped == set(services())
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "15s"}]
    (rule,) = of_kind(rendered, "PrometheusRule").values()
    assert rule["spec"]["groups"] == yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]


def _load(path):
    import yaml

    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_the_database_has_connections_for_every_pod_at_full_scale(rendered):
    """Pods × (pool + overflow, which jixiao/db.py sets equal to the pool) stays below max_connections,
    with the scoring HPA at its maximum and room for the migrate Job and superuser slots."""
    import inspect

    from jixiao.db import Database

    assert "max_overflow=pool_size" in inspect.getsource(Database.__init__), "jixiao/db.py changed: update this test"
    pool = int(of_kind(rendered, "ConfigMap")["jixiao-config"]["data"]["JIXIAO_DATABASE_POOL_SIZE"])
    hpa = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]["maxReplicas"]
        for h in of_kind(rendered, "HorizontalPodAutoscaler").values()
    }
    pods = sum(hpa.get(name, d["spec"].get("replicas", 1)) for name, d in of_kind(rendered, "Deployment").items())
    (cluster,) = of_kind(rendered, "Cluster").values()
    limit = int(cluster["spec"]["postgresql"]["parameters"]["max_connections"])
    assert pods * 2 * pool + 2 * pool + 10 <= limit, f"{pods} pods × {2 * pool} connections vs max_connections {limit}"
