"""Write the Kustomize manifests of deploy/k8s/ from the small tables below: `python deploy/k8s/generate.py`.

The five services differ only in name, resources, ports and Kafka rights, so their manifests are
generated rather than copied five times; the output is committed (read it, apply it) and
tests/unit/deploy checks it is fresh and agrees with the code (topics, who publishes and consumes
what, ports, probe paths, settings). Needs PyYAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

K8S = Path(__file__).resolve().parent
DEPLOY = K8S.parent
IMAGE = "jixiao"  # the image built from deploy/Dockerfile; the overlay sets registry and tag
PART_OF = {"app.kubernetes.io/part-of": "jixiao"}
PARTITIONS = 12  # per topic; the scoring HPA may not exceed it (idle consumers otherwise)
KAFKA_CLUSTER = "jixiao"  # Strimzi names: jixiao-kafka-bootstrap, jixiao-cluster-ca-cert
DB_CLUSTER = "jixiao-db"  # CloudNativePG names: jixiao-db-rw, secret jixiao-db-app (key uri)
DAY_MS = 24 * 3600 * 1000

# topic -> retention; RF 3, min ISR 2 everywhere. Sources are reconciled from SnapshotService, so 30
# days is plenty; score events are a contract for other county systems, kept 90 days.
TOPICS = {
    "jixiao.indicators.v1": 30 * DAY_MS,
    "jixiao.surveys.v1": 30 * DAY_MS,
    "jixiao.inspections.v1": 30 * DAY_MS,
    "jixiao.scores.v1": 90 * DAY_MS,
}

# service -> what it writes and reads on Kafka, whether it serves gRPC, and its pod resources
SERVICES = {
    "indicators": {
        "writes": ["jixiao.indicators.v1"],
        "reads": ["jixiao.inspections.v1"],  # the staff register for the responsibility chain
        "grpc": True,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "768Mi"}},
    },
    "surveys": {
        "writes": ["jixiao.surveys.v1"],
        "reads": ["jixiao.indicators.v1"],
        "grpc": True,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    },
    "inspections": {
        "writes": ["jixiao.inspections.v1"],
        "reads": [],
        "grpc": True,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    },
    "scoring": {
        "writes": ["jixiao.scores.v1"],
        "reads": ["jixiao.indicators.v1", "jixiao.surveys.v1", "jixiao.inspections.v1"],
        "grpc": True,
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "2", "memory": "1536Mi"}},
    },
    "reports": {
        "writes": [],
        "reads": ["jixiao.scores.v1", "jixiao.indicators.v1", "jixiao.inspections.v1"],
        "grpc": False,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    },
}

CONFIG = {  # non-secret settings shared by every service (ConfigMap jixiao-config)
    "JIXIAO_ENV": "production",
    "JIXIAO_LOG_LEVEL": "INFO",
    "JIXIAO_HTTP_HOST": "0.0.0.0",
    "JIXIAO_HTTP_PORT": "8000",
    "JIXIAO_GRPC_HOST": "0.0.0.0",
    "JIXIAO_GRPC_PORT": "50051",
    "JIXIAO_DATABASE_POOL_SIZE": "5",  # up to 2× per pod (overflow); see the connection test
    "JIXIAO_KAFKA_BOOTSTRAP": f"{KAFKA_CLUSTER}-kafka-bootstrap:9093",
    "JIXIAO_KAFKA_PARTITIONS": str(PARTITIONS),
    "JIXIAO_KAFKA_REPLICATION": "3",
    "JIXIAO_KAFKA_ACKS": "all",
    "JIXIAO_KAFKA_IDEMPOTENCE": "true",
    "JIXIAO_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "JIXIAO_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "JIXIAO_KAFKA_SSL_CAFILE": "/etc/jixiao/kafka-ca/ca.crt",
}
# whose SnapshotService each consumer reads (reconciliation at close; resync after a broker loss)
SNAPSHOT_PEERS = {
    "surveys": ["indicators"],
    "scoring": ["indicators", "surveys", "inspections"],
    "reports": ["indicators", "inspections", "scoring"],
}
POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def _secret(name: str, key: str) -> dict:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key}}}


def _meta(name: str, component: str | None = None, **extra) -> dict:
    labels = {"app.kubernetes.io/name": name, **PART_OF}
    if component:
        labels["app.kubernetes.io/component"] = component
    return {"name": name, "labels": labels, **extra}


def _pod_spec(containers: list[dict], *, restart: str | None = None, kafka: bool = True) -> dict:
    volumes = [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]
    if kafka:
        volumes.append(
            {
                "name": "kafka-ca",
                "secret": {
                    "secretName": f"{KAFKA_CLUSTER}-cluster-ca-cert",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                },
            }
        )
    spec = {"securityContext": POD_SECURITY, "containers": containers, "volumes": volumes}
    if restart:
        spec["restartPolicy"] = restart
    return spec


def _mounts(kafka: bool = True) -> list[dict]:
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    return mounts + ([{"name": "kafka-ca", "mountPath": "/etc/jixiao/kafka-ca", "readOnly": True}] if kafka else [])


def _env(name: str) -> list[dict]:
    env = [
        {"name": "JIXIAO_SECRET_KEY", **_secret("jixiao-secrets", "secret-key")},
        {"name": "JIXIAO_DATABASE_URL", **_secret(f"{DB_CLUSTER}-app", "uri")},
        {"name": "JIXIAO_KAFKA_SASL_USERNAME", "value": f"jixiao-{name}"},
        {"name": "JIXIAO_KAFKA_SASL_PASSWORD", **_secret(f"jixiao-{name}", "password")},
    ]
    if name == "surveys":
        env.append({"name": "JIXIAO_PII_KEY", **_secret("jixiao-secrets", "pii-key")})
    env += [{"name": f"JIXIAO_{peer.upper()}_GRPC", "value": f"{peer}:50051"} for peer in SNAPSHOT_PEERS.get(name, [])]
    return env


def service_docs(name: str, spec: dict) -> list[dict]:
    """Deployment, Service, PodDisruptionBudget (and the scoring HPA) of one service."""
    ports = [{"name": "http", "containerPort": 8000}] + (
        [{"name": "grpc", "containerPort": 50051}] if spec["grpc"] else []
    )
    container = {
        "name": name,
        "image": IMAGE,
        "command": ["python", "-m", "jixiao.run", name],
        "envFrom": [{"configMapRef": {"name": "jixiao-config"}}],
        "env": _env(name),
        "ports": ports,
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3},
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 20,
            "failureThreshold": 3,
        },
        "startupProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 2, "failureThreshold": 60},
        "resources": spec["resources"],
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": _mounts(),
    }
    selector = {"app.kubernetes.io/name": name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, "service"),
        "spec": {
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": {**selector, **PART_OF}},
                "spec": {**_pod_spec([container]), "terminationGracePeriodSeconds": 30},
            },
        },
    }
    if name != "scoring":  # scoring's replicas belong to its HPA
        deployment["spec"] = {"replicas": 1, **deployment["spec"]}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, "service"),
        "spec": {
            "selector": selector,
            "ports": [{"name": p["name"], "port": p["containerPort"], "targetPort": p["name"]} for p in ports],
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(name, "service"),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
    }
    docs = [deployment, service, pdb]
    if name == "scoring":
        docs.append(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": _meta(name, "service"),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": 2,
                    "maxReplicas": PARTITIONS,  # one consumer per partition at most
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                        }
                    ],
                },
            }
        )
    return docs


def migrate_job() -> dict:
    container = {
        "name": "migrate",
        "image": IMAGE,
        "command": ["jixiao", "migrate"],
        "envFrom": [{"configMapRef": {"name": "jixiao-config"}}],
        "env": [{"name": "JIXIAO_DATABASE_URL", **_secret(f"{DB_CLUSTER}-app", "uri")}],
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": _mounts(kafka=False),
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta("jixiao-migrate", "migrate"),
        "spec": {
            "backoffLimit": 6,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "jixiao-migrate", **PART_OF}},
                "spec": _pod_spec([container], restart="OnFailure", kafka=False),
            },
        },
    }


def monitoring_docs() -> list[dict]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    monitor = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": _meta("jixiao", "monitoring"),
        "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/component": "service", **PART_OF}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "15s"}],
        },
    }
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": _meta("jixiao", "monitoring"),
        "spec": {"groups": rules["groups"]},
    }
    return [monitor, rule]


def kafka_docs() -> list[dict]:
    """Strimzi: a KRaft cluster of 3 dual-role nodes, the topics, one SCRAM user per service with ACLs."""
    cluster = {"strimzi.io/cluster": KAFKA_CLUSTER, **PART_OF}
    pool = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaNodePool",
        "metadata": {"name": "dual", "labels": cluster},
        "spec": {
            "replicas": 3,
            "roles": ["controller", "broker"],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {
                        "id": 0,
                        "type": "persistent-claim",
                        "size": "100Gi",
                        "deleteClaim": False,
                        "kraftMetadata": "shared",
                    }
                ],
            },
            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
        },
    }
    kafka = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "Kafka",
        "metadata": {
            "name": KAFKA_CLUSTER,
            "labels": PART_OF,
            "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"},
        },
        "spec": {
            "kafka": {
                "version": "3.9.0",
                "metadataVersion": "3.9-IV0",
                "listeners": [
                    {
                        "name": "tls",
                        "port": 9093,
                        "type": "internal",
                        "tls": True,
                        "authentication": {"type": "scram-sha-512"},
                    }
                ],
                "authorization": {"type": "simple"},
                "config": {
                    "default.replication.factor": 3,
                    "min.insync.replicas": 2,
                    "offsets.topic.replication.factor": 3,
                    "transaction.state.log.replication.factor": 3,
                    "transaction.state.log.min.isr": 2,
                    "auto.create.topics.enable": False,
                },
            },
            "entityOperator": {"topicOperator": {}, "userOperator": {}},
        },
    }
    topics = [
        {
            "apiVersion": "kafka.strimzi.io/v1beta2",
            "kind": "KafkaTopic",
            "metadata": {"name": topic.replace(".", "-"), "labels": cluster},
            "spec": {
                "topicName": topic,
                "partitions": PARTITIONS,
                "replicas": 3,
                "config": {"retention.ms": retention, "min.insync.replicas": 2},
            },
        }
        for topic, retention in TOPICS.items()
    ]
    users = []
    for name, spec in SERVICES.items():
        acls = [
            {"resource": {"type": "topic", "name": t, "patternType": "literal"}, "operations": ["Write", "Describe"]}
            for t in spec["writes"]
        ]
        acls += [
            {"resource": {"type": "topic", "name": t, "patternType": "literal"}, "operations": ["Read", "Describe"]}
            for t in spec["reads"]
        ]
        if spec["reads"]:
            acls.append(
                {
                    "resource": {"type": "group", "name": f"jixiao-{name}", "patternType": "literal"},
                    "operations": ["Read"],
                }
            )
        users.append(
            {
                "apiVersion": "kafka.strimzi.io/v1beta2",
                "kind": "KafkaUser",
                "metadata": {"name": f"jixiao-{name}", "labels": cluster},
                "spec": {
                    "authentication": {"type": "scram-sha-512"},
                    "authorization": {"type": "simple", "acls": acls},
                },
            }
        )
    return [pool, kafka, *topics, *users]


def postgres_docs() -> list[dict]:
    """CloudNativePG: 3 instances (one primary, two replicas); the app secret jixiao-db-app carries `uri`."""
    return [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Cluster",
            "metadata": {"name": DB_CLUSTER, "labels": PART_OF},
            "spec": {
                "instances": 3,
                "imageName": "ghcr.io/cloudnative-pg/postgresql:16.4",
                "primaryUpdateStrategy": "unsupervised",
                "bootstrap": {"initdb": {"database": "jixiao", "owner": "jixiao"}},
                "postgresql": {"parameters": {"max_connections": "300"}},
                "storage": {"size": "50Gi"},
                "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
                "monitoring": {"enablePodMonitor": True},
            },
        }
    ]


def files() -> dict[Path, str]:
    """Every generated file and its text."""
    header = "# Generated by deploy/k8s/generate.py: edit that, run it, commit both.\n"
    out: dict[Path, str] = {}

    def put(path: str, docs: list[dict]) -> None:
        out[K8S / path] = header + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=120) for d in docs)

    base = ["configmap.yaml", *[f"{n}.yaml" for n in SERVICES], "migrate-job.yaml", "monitoring.yaml"]
    put(
        "base/kustomization.yaml",
        [{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": base}],
    )
    put(
        "base/configmap.yaml",
        [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("jixiao-config"), "data": CONFIG}],
    )
    for name, spec in SERVICES.items():
        put(f"base/{name}.yaml", service_docs(name, spec))
    put("base/migrate-job.yaml", [migrate_job()])
    put("base/monitoring.yaml", monitoring_docs())
    put("overlays/production/namespace.yaml", [{"apiVersion": "v1", "kind": "Namespace", "metadata": _meta("jixiao")}])
    put("overlays/production/kafka.yaml", kafka_docs())
    put("overlays/production/postgres.yaml", postgres_docs())
    put(
        "overlays/production/replicas.yaml",
        [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": n}, "spec": {"replicas": 2}}
            for n in SERVICES
            if n != "scoring"
        ],
    )
    put(
        "overlays/production/kustomization.yaml",
        [
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "jixiao",
                "resources": ["namespace.yaml", "../../base", "kafka.yaml", "postgres.yaml"],
                "images": [{"name": IMAGE, "newName": "registry.example.org/jixiao/jixiao", "newTag": "1.0.0"}],
                "patches": [{"path": "replicas.yaml"}],
            }
        ],
    )
    return out


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    stale = []
    for path, text in files().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(DEPLOY.parent)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("stale (run python deploy/k8s/generate.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
