"""Policy checks over rendered manifests: each returns the violations it finds, as readable strings.

Pure functions over the documents `kubectl kustomize` prints, so tests/k8s can run them on every overlay
and, on purposely broken copies, show that each one can fail.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
LONG_RUNNING = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass
class Pod:
    """A pod template of a workload."""

    workload: str  # "Kind/name"
    kind: str
    labels: dict
    spec: dict


def pods(docs: list[dict]) -> list[Pod]:
    found = []
    for doc in docs:
        if doc["kind"] not in WORKLOAD_KINDS:
            continue
        spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
        template = spec["template"]
        found.append(
            Pod(
                workload=f"{doc['kind']}/{doc['metadata']['name']}",
                kind=doc["kind"],
                labels=template.get("metadata", {}).get("labels", {}),
                spec=template["spec"],
            )
        )
    return found


def containers(pod: Pod) -> Iterator[tuple[dict, bool]]:
    """(container, is_init) for every container of the pod."""
    for container in pod.spec.get("initContainers", []):
        yield container, True
    for container in pod.spec["containers"]:
        yield container, False


def of_kind(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[dict], kind: str, name: str) -> dict:
    [found] = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def selects(selector: dict, labels: dict) -> bool:
    """Whether a label selector (matchLabels/matchExpressions, or a Service's plain map) matches the labels."""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        selector = {"matchLabels": selector}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return True
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------
# Containers: security context, resources, probes, images
# ------------------------------------------------------------------------------
def security_violations(docs: list[dict]) -> list[str]:
    found = []
    for pod in pods(docs):
        pod_context = pod.spec.get("securityContext", {})
        if pod.spec.get("automountServiceAccountToken") is not False:
            found.append(f"{pod.workload}: automountServiceAccountToken is not false")
        for container, _ in containers(pod):
            where = f"{pod.workload}/{container['name']}"
            context = container.get("securityContext", {})
            if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
                found.append(f"{where}: runAsNonRoot is not true")
            if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
                found.append(f"{where}: runs as UID 0")
            if context.get("readOnlyRootFilesystem") is not True:
                found.append(f"{where}: readOnlyRootFilesystem is not true")
            if context.get("allowPrivilegeEscalation") is not False:
                found.append(f"{where}: allowPrivilegeEscalation is not false")
            if context.get("privileged"):
                found.append(f"{where}: privileged")
            capabilities = context.get("capabilities", {})
            if "ALL" not in capabilities.get("drop", []) or capabilities.get("add"):
                found.append(f"{where}: capabilities are not exactly 'drop ALL'")
            seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
            if seccomp.get("type") != "RuntimeDefault":
                found.append(f"{where}: seccompProfile is not RuntimeDefault")
    return found


_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_UNITS = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str | int | float) -> float:
    """A Kubernetes quantity ("250m", "1", "512Mi") as a number."""
    match = _QUANTITY.match(str(value))
    assert match, f"unparsed quantity {value!r}"
    assert match.group(2) in _UNITS, f"unknown unit in {value!r}"
    return float(match.group(1)) * _UNITS[match.group(2)]


def resource_violations(docs: list[dict]) -> list[str]:
    found = []
    for pod in pods(docs):
        for container, _ in containers(pod):
            where = f"{pod.workload}/{container['name']}"
            resources = container.get("resources", {})
            for resource in ("cpu", "memory"):
                request = resources.get("requests", {}).get(resource)
                limit = resources.get("limits", {}).get(resource)
                if request is None or limit is None:
                    found.append(f"{where}: no {resource} request and limit")
                elif quantity(request) > quantity(limit):
                    found.append(f"{where}: {resource} request above its limit")
    return found


def ephemeral_storage_violations(docs: list[dict]) -> list[str]:
    """Every disk-backed emptyDir has a sizeLimit, and each container mounting one requests ephemeral storage
    and may use at least what its emptyDirs may hold (the kubelet evicts a pod above either)."""
    found = []
    for pod in pods(docs):
        sizes = {}
        for volume in pod.spec.get("volumes", []):
            empty_dir = volume.get("emptyDir")
            if empty_dir is None or empty_dir.get("medium") == "Memory":
                continue
            if "sizeLimit" not in empty_dir:
                found.append(f"{pod.workload}: emptyDir {volume['name']} has no sizeLimit")
            sizes[volume["name"]] = quantity(empty_dir.get("sizeLimit", 0))
        for container, _ in containers(pod):
            mounted = sum(sizes.get(mount["name"], 0) for mount in container.get("volumeMounts", []))
            if not any(mount["name"] in sizes for mount in container.get("volumeMounts", [])):
                continue
            where = f"{pod.workload}/{container['name']}"
            resources = container.get("resources", {})
            request = resources.get("requests", {}).get("ephemeral-storage")
            limit = resources.get("limits", {}).get("ephemeral-storage")
            if request is None:
                found.append(f"{where}: mounts an emptyDir but requests no ephemeral-storage")
            if limit is not None and quantity(limit) < mounted:
                found.append(f"{where}: ephemeral-storage limit {limit} is below its emptyDirs' sizeLimits")
    return found


def probe_violations(docs: list[dict], *, startup_required: set[str]) -> list[str]:
    """Long-running containers need readiness and liveness probes; those in startup_required a startup probe too."""
    found = []
    for pod in pods(docs):
        if pod.kind not in LONG_RUNNING:
            continue
        for container, is_init in containers(pod):
            if is_init and container.get("restartPolicy") != "Always":  # only sidecars run on
                continue
            where = f"{pod.workload}/{container['name']}"
            needed = ["readinessProbe", "livenessProbe"]
            if container["name"] in startup_required:
                needed.append("startupProbe")
            found += [f"{where}: no {probe}" for probe in needed if probe not in container]
    return found


def image_tag(image: str) -> str | None:
    """The tag of an image reference, or None (a digest counts as a tag)."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def image_violations(docs: list[dict]) -> list[str]:
    found = []
    for pod in pods(docs):
        for container, _ in containers(pod):
            tag = image_tag(container["image"])
            if tag is None:
                found.append(f"{pod.workload}/{container['name']}: image {container['image']} has no tag")
            elif tag == "latest":
                found.append(f"{pod.workload}/{container['name']}: image {container['image']} is :latest")
    return found


# ------------------------------------------------------------------------------
# Environment of a container, as the kubelet would build it from the rendered objects
# ------------------------------------------------------------------------------
def environment(docs: list[dict], container: dict, volumes: list[dict] | None = None) -> dict[str, object]:
    """Name -> value for literal and ConfigMap values, name -> ("secret", name, key) for Secret references.

    A ``NAME_FILE`` naming a file of a mounted Secret volume (``volumes``: the pod's) counts as that Secret's key
    for NAME, as config/secret_files.py reads it, unless the Secret is rendered without that key (the file would
    not exist, and NAME comes from elsewhere or stays unset).
    """
    env: dict[str, object] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(one(docs, "ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        if "secretRef" in source:
            secret = [d for d in of_kind(docs, "Secret") if d["metadata"]["name"] == source["secretRef"]["name"]]
            for key in secret[0].get("data", {}) if secret else {}:
                env[key] = ("secret", source["secretRef"]["name"], key)
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in item.get("valueFrom", {}):
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = ("secret", ref["name"], ref["key"])
    for name, value in list(env.items()):
        if name.endswith("_FILE") and isinstance(value, str):
            secret_file = mounted_secret_file(docs, container, volumes or [], value)
            if secret_file is not None and name.removesuffix("_FILE") not in env:
                env[name.removesuffix("_FILE")] = ("secret", *secret_file)
    return env


def mounted_secret_file(docs: list[dict], container: dict, volumes: list[dict], path: str) -> tuple[str, str] | None:
    """(Secret name, key) of the file at ``path`` in a Secret volume the container mounts, or None."""
    by_name = {volume["name"]: volume for volume in volumes}
    for mount in container.get("volumeMounts", []):
        secret = by_name.get(mount["name"], {}).get("secret")
        prefix = mount["mountPath"].rstrip("/") + "/"
        if secret is None or not path.startswith(prefix):
            continue
        key = path.removeprefix(prefix)
        rendered = [d for d in of_kind(docs, "Secret") if d["metadata"]["name"] == secret["secretName"]]
        if rendered and key not in rendered[0].get("data", {}):
            return None
        return secret["secretName"], key
    return None
