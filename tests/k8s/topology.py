"""Checks that the rendered objects point at each other correctly: Services, Ingress, HPA, PDB, NetworkPolicies.

Like tests/k8s/policy.py, each returns its violations as readable strings.
"""

from tests.k8s.policy import Pod, containers, of_kind, pods, selects


def _hpa_of(docs: list[dict], kind: str, name: str) -> dict | None:
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        if (target["kind"], target["name"]) == (kind, name):
            return hpa
    return None


def _replicas(docs: list[dict], pod: Pod) -> int:
    """The workload's pod count: its HPA's minReplicas when one scales it, else spec.replicas (default 1)."""
    kind, name = pod.workload.split("/", 1)
    [workload] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    hpa = _hpa_of(docs, kind, name)
    if hpa is not None and "replicas" not in workload["spec"]:
        return hpa["spec"].get("minReplicas", 1)
    return workload["spec"].get("replicas", 1)


def _named_ports(pod: Pod) -> dict[str, int]:
    return {
        port["name"]: port["containerPort"]
        for container, _ in containers(pod)
        for port in container.get("ports", [])
        if "name" in port
    }


def _container_ports(pod: Pod) -> set[int]:
    return {port["containerPort"] for container, _ in containers(pod) for port in container.get("ports", [])}


def service_violations(docs: list[dict]) -> list[str]:
    """Each Service selects long-running pods only, and each targetPort is a port those pods declare."""
    found = []
    for service in of_kind(docs, "Service"):
        name = service["metadata"]["name"]
        selected = [pod for pod in pods(docs) if selects(service["spec"].get("selector", {}), pod.labels)]
        if not selected:
            found.append(f"Service/{name} selects no pod")
        for pod in selected:
            if pod.kind in ("Job", "CronJob"):
                found.append(f"Service/{name} selects the pods of {pod.workload}, which serve nothing")
                continue
            for port in service["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                ok = target in _named_ports(pod) if isinstance(target, str) else target in _container_ports(pod)
                if not ok:
                    found.append(f"Service/{name} port {port['port']}: targetPort {target} is not on {pod.workload}")
    return found


# ------------------------------------------------------------------------------
# Ingress: which Service a request path reaches (networking.k8s.io/v1 path matching)
# ------------------------------------------------------------------------------
def _prefix_matches(prefix: str, path: str) -> bool:
    """Prefix matching by path element: /api matches /api and /api/x, not /apix."""
    wanted = [part for part in prefix.split("/") if part]
    given = [part for part in path.split("/") if part]
    return given[: len(wanted)] == wanted


def ingress_service(ingress: dict, host: str, path: str) -> str | None:
    """The Service name the ingress sends host+path to: Exact before Prefix, then the longest path wins."""
    candidates = []
    for rule in ingress["spec"]["rules"]:
        if rule.get("host", host) != host:
            continue
        for entry in rule["http"]["paths"]:
            if entry["pathType"] == "Exact" and entry["path"] == path:
                candidates.append((2, len(entry["path"]), entry))
            elif entry["pathType"] in ("Prefix", "ImplementationSpecific") and _prefix_matches(entry["path"], path):
                candidates.append((1, len(entry["path"].rstrip("/")), entry))
    if not candidates:
        default = ingress["spec"].get("defaultBackend")
        return default["service"]["name"] if default else None
    entry = max(candidates, key=lambda candidate: candidate[:2])[2]
    return entry["backend"]["service"]["name"]


def ingress_backend_violations(docs: list[dict]) -> list[str]:
    """Every Service an Ingress names exists and has the port it names."""
    found = []
    services = {service["metadata"]["name"]: service for service in of_kind(docs, "Service")}
    for ingress in of_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                wanted = entry["backend"]["service"]
                service = services.get(wanted["name"])
                if service is None:
                    found.append(f"Ingress path {entry['path']}: no Service {wanted['name']}")
                    continue
                names = {port.get("name") for port in service["spec"]["ports"]}
                numbers = {port["port"] for port in service["spec"]["ports"]}
                if wanted["port"].get("name", "") not in names and wanted["port"].get("number") not in numbers:
                    found.append(f"Ingress path {entry['path']}: Service {wanted['name']} has no port {wanted['port']}")
    return found


# ------------------------------------------------------------------------------
# HPA and PDB
# ------------------------------------------------------------------------------
def _pdb_for(docs: list[dict], pod: Pod) -> dict | None:
    matching = [pdb for pdb in of_kind(docs, "PodDisruptionBudget") if selects(pdb["spec"]["selector"], pod.labels)]
    return matching[0] if matching else None


def hpa_violations(docs: list[dict]) -> list[str]:
    """Each HPA scales a Deployment that exists, within sane bounds, above what its PDB keeps available."""
    found = []
    deployments = {pod.workload: pod for pod in pods(docs) if pod.kind == "Deployment"}
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        name = hpa["metadata"]["name"]
        target = hpa["spec"]["scaleTargetRef"]
        pod = deployments.get(f"{target['kind']}/{target['name']}")
        if target["apiVersion"] != "apps/v1" or pod is None:
            found.append(f"HPA/{name} targets {target['kind']}/{target['name']}, which is not rendered")
            continue
        low, high = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
        if not 1 <= low <= high:
            found.append(f"HPA/{name}: bounds {low}..{high}")
        [workload] = [d for d in docs if f"{d['kind']}/{d['metadata']['name']}" == pod.workload]
        if "replicas" in workload["spec"]:
            found.append(f"HPA/{name}: {pod.workload} sets spec.replicas, which every apply would reset the count to")
        if [metric["resource"]["name"] for metric in hpa["spec"].get("metrics", [])] != ["cpu"]:
            found.append(f"HPA/{name}: does not scale on CPU alone")
        for container, _ in containers(pod):
            requests = container.get("resources", {}).get("requests", {})
            limits = container.get("resources", {}).get("limits", {})
            if "cpu" in limits and _cores(requests.get("cpu", "0")) < _cores(limits["cpu"]) / 2:
                found.append(
                    f"HPA/{name}: {container['name']} requests {requests.get('cpu')} CPU, under half its limit "
                    f"{limits['cpu']}: a utilization target on so small a request scales out long before a pod is busy"
                )
        pdb = _pdb_for(docs, pod)
        floor = pdb["spec"].get("minAvailable") if pdb is not None else None
        if isinstance(floor, int) and low <= floor:
            found.append(f"HPA/{name}: minReplicas {low} <= PDB minAvailable {floor}")
    return found


def _cores(value: str | int | float) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _percent(value: str) -> int:
    return int(value.rstrip("%"))


def pdb_violations(docs: list[dict]) -> list[str]:
    """Each PDB selects a workload's pods and still lets one go at a time (drains, rolling node upgrades)."""
    found = []
    for pdb in of_kind(docs, "PodDisruptionBudget"):
        name = pdb["metadata"]["name"]
        selected = [pod for pod in pods(docs) if selects(pdb["spec"]["selector"], pod.labels)]
        if not selected:
            found.append(f"PDB/{name} selects no pod")
            continue
        replicas = sum(_replicas(docs, pod) for pod in selected)
        spec = pdb["spec"]
        if "maxUnavailable" in spec:
            value = spec["maxUnavailable"]
            allows = value >= 1 if isinstance(value, int) else _percent(value) > 0
        else:
            value = spec.get("minAvailable", 1)
            allows = value < replicas if isinstance(value, int) else _percent(value) < 100
        if not allows:
            found.append(f"PDB/{name}: no pod of {replicas} may ever be evicted")
    return found


# ------------------------------------------------------------------------------
# NetworkPolicies
# ------------------------------------------------------------------------------
def _peers(policy: dict) -> list[dict]:
    spec = policy["spec"]
    return [peer for rule in spec.get("ingress", []) for peer in rule.get("from", [])] + [
        peer for rule in spec.get("egress", []) for peer in rule.get("to", [])
    ]


# Pods a controller starts in the app's namespace, which no manifest renders: cert-manager's HTTP-01 solver.
CONTROLLER_PODS = [{"acme.cert-manager.io/http01-solver": "true"}]


def network_policy_violations(docs: list[dict]) -> list[str]:
    """Selectors match real pods, and named ports exist on the pods they protect."""
    found = []
    all_pods = pods(docs)
    for policy in of_kind(docs, "NetworkPolicy"):
        name = policy["metadata"]["name"]
        selector = policy["spec"]["podSelector"]
        protected = [pod for pod in all_pods if selects(selector, pod.labels)]
        if not protected and not any(selects(selector, labels) for labels in CONTROLLER_PODS):
            found.append(f"NetworkPolicy/{name}: podSelector {selector} matches no pod")
        for peer in _peers(policy):
            # A peer in this namespace (no namespaceSelector) must be a pod we render.
            local = "podSelector" in peer and "namespaceSelector" not in peer
            if local and not any(selects(peer["podSelector"], pod.labels) for pod in all_pods):
                found.append(f"NetworkPolicy/{name}: peer {peer['podSelector']} matches no pod")
        for rule in policy["spec"].get("egress", []):
            if not rule.get("ports"):
                found.append(f"NetworkPolicy/{name}: an egress rule allows every port")
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                if isinstance(port.get("port"), str):
                    missing = [pod.workload for pod in protected if port["port"] not in _named_ports(pod)]
                    if missing:
                        found.append(f"NetworkPolicy/{name}: port {port['port']} not declared by {missing}")
    return found


def egress_ports(docs: list[dict], labels: dict) -> set[int | str]:
    """Every port the NetworkPolicies let pods with these labels connect to."""
    return {
        port["port"]
        for policy in of_kind(docs, "NetworkPolicy")
        if "Egress" in policy["spec"].get("policyTypes", []) and selects(policy["spec"]["podSelector"], labels)
        for rule in policy["spec"].get("egress", [])
        for port in rule.get("ports", [])
    }
