"""Render a Kustomize directory: `kubectl kustomize` or `kustomize build` when either is installed, else a
small Python renderer of the features deploy/k8s uses (resources, namespace, images, strategic-merge
patches of whole objects). When a real tool exists, a test checks that both agree."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

from tools import python_module

CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
}
_SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}


def tool() -> list[str] | None:
    """The command of an installed Kustomize (kubectl's or the standalone one), if any."""
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def build(directory: Path) -> tuple[list[dict], str]:
    """The rendered objects of a kustomization directory, and which renderer made them."""
    yaml = python_module("yaml", "pyyaml>=6")
    command = tool()
    if command is None:
        return python_build(directory), "python"
    done = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)} {directory}:\n{done.stderr}"
    return [d for d in yaml.safe_load_all(done.stdout) if d], " ".join(command)


def python_build(directory: Path) -> list[dict]:
    """Our renderer: enough of Kustomize for deploy/k8s, and it refuses what it does not know."""
    yaml = python_module("yaml", "pyyaml>=6")
    k = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(k) - _SUPPORTED
    assert not unknown, f"{directory}/kustomization.yaml uses {sorted(unknown)}: render it with kubectl kustomize"
    objects: list[dict] = []
    for entry in k.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects += python_build(path)
        else:
            objects += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for patch in k.get("patches", []):
        for doc in yaml.safe_load_all((directory / patch["path"]).read_text()):
            if not doc:
                continue
            targets = [
                o for o in objects if (o["kind"], o["metadata"]["name"]) == (doc["kind"], doc["metadata"]["name"])
            ]
            assert len(targets) == 1, f"patch {doc['kind']}/{doc['metadata']['name']} matches {len(targets)} objects"
            _merge(targets[0], doc)
    for image in k.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, _tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = (
                        f"{image.get('newName', name)}:{image['newTag']}"
                        if "newTag" in image
                        else image.get("newName", name)
                    )
    if "namespace" in k:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = k["namespace"]
    return objects


def _containers(obj: dict) -> list[dict]:
    spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def _merge(target: dict, patch: dict) -> None:
    """Strategic merge, as far as we use it: maps merge, lists of named items merge by name, others replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif (
            isinstance(value, list)
            and isinstance(target.get(key), list)
            and all(isinstance(v, dict) and "name" in v for v in value + target[key])
        ):
            by_name = {item["name"]: item for item in target[key]}
            for item in value:
                if item["name"] in by_name:
                    _merge(by_name[item["name"]], item)
                else:
                    target[key].append(copy.deepcopy(item))
        else:
            target[key] = copy.deepcopy(value)
