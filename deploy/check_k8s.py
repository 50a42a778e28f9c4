"""Check the Kubernetes manifests in deploy/k8s/ offline: against the API schemas of a pinned Kubernetes version
(PyPI ``kubernetes-validate``), and for the settings the explorer needs (probes on the health endpoint under the
sub-path, limits, non-root read-only container, the pathway file from its ConfigMap, cookie affinity and websocket
timeouts at the Ingress).

    python deploy/check_k8s.py [deploy/k8s] [--kubernetes 1.34]

Prints one line per problem and exits 1 if there is any. The ConfigMap that kustomization.yaml generates from the
pathway file is built here from pathways/content/relapsed-all.yaml, so it is checked too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

__all__ = ["KUBERNETES_VERSION", "HEALTH", "load_manifests", "schema_problems", "setting_problems", "main"]

#: The Kubernetes version whose API schemas the manifests must satisfy (kubernetes-validate ships them).
KUBERNETES_VERSION = "1.34"
#: Streamlit's health endpoint, under the sub-path
HEALTH = "/_stcore/health"
#: The websocket's idle timeout at the Ingress must be at least this many seconds (Streamlit pings every 30 s;
#: the shipped nginx keeps it an hour).
MIN_STREAM_TIMEOUT = 3600
K8S = Path(__file__).with_name("k8s")
ROOT = Path(__file__).resolve().parents[1]


def load_manifests(directory: Path = K8S) -> list[dict[str, Any]]:
    """Every object in the directory's YAML files (not kustomization.yaml), plus the generated pathway ConfigMap."""
    docs: list[dict[str, Any]] = []
    generated: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc:
                continue
            if doc.get("kind") == "Kustomization":
                for item in doc.get("configMapGenerator", []):
                    data = {}
                    for name in item.get("files", []):
                        source = directory / name
                        if not source.exists():  # copied in at deploy time (kustomization.yaml says how)
                            source = ROOT / "pathways" / "content" / name
                        data[name] = source.read_text(encoding="utf-8")
                    generated.append({"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": item["name"]}, "data": data})
                continue
            doc.setdefault("_file", path.name)
            docs.append(doc)
    return docs + generated


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "_file"}


def schema_problems(docs: list[dict[str, Any]], version: str = KUBERNETES_VERSION) -> list[str]:
    """Objects that do not satisfy the API schemas of Kubernetes ``version`` (strict: unknown fields are errors)."""
    import kubernetes_validate

    problems = []
    for doc in docs:
        where = f"{doc.get('_file', 'generated')}: {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(_clean(doc), version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.absolute_path)  # the jsonschema error's fields, copied
            problems.append(f"{where}: {error.message} (at {path or 'the top'}; Kubernetes {version})")
        except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
            problems.append(f"{where}: {error.message}")
    return problems


def _one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    found = [d for d in docs if d.get("kind") == kind]
    return found[0] if len(found) == 1 else None


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}


def setting_problems(docs: list[dict[str, Any]]) -> list[str]:
    """The explorer's own requirements, each problem naming the object, the field and what is expected."""
    problems: list[str] = []
    kinds = ("Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "ConfigMap")
    for kind in kinds:
        if _one(docs, kind) is None:
            problems.append(f"expected exactly one {kind} (found {sum(d.get('kind') == kind for d in docs)})")
    deployment = _one(docs, "Deployment")
    if deployment is None:
        return problems
    pod = deployment["spec"]["template"]["spec"]
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    base = ""
    for container in pod.get("containers", []):
        name = f"Deployment container {container.get('name')!r}"
        env = _env(container)
        base = "/" + env.get("BASE_PATH", "").strip("/") if env.get("BASE_PATH", "").strip("/") else ""
        health = base + HEALTH
        for probe in ("readinessProbe", "livenessProbe"):
            path = container.get(probe, {}).get("httpGet", {}).get("path")
            if path != health:
                problems.append(f"{name}: {probe} must GET {health!r} (the health endpoint under BASE_PATH "
                                f"{base or '(none)'}), not {path!r}")
        resources = container.get("resources", {})
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(section, {}):
                    problems.append(f"{name}: resources.{section}.{resource} is missing (docs/deploy.md gives the "
                                    "measured figures)")
        security = container.get("securityContext", {})
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: securityContext.readOnlyRootFilesystem must be true")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: securityContext.allowPrivilegeEscalation must be false")
        if not (pod.get("securityContext", {}).get("runAsNonRoot") or security.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot must be true (the image's user is explorer, uid 10001)")
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        if "emptyDir" not in volumes.get(mounts.get("/tmp", ""), {}):
            problems.append(f"{name}: /tmp must be an emptyDir (what Streamlit writes, on a read-only root)")
        pathway = env.get("PATHWAY_FILE", "")
        folder = str(Path(pathway).parent)
        volume = volumes.get(mounts.get(folder, ""), {})
        config_map = volume.get("configMap", {}).get("name")
        if not pathway or config_map is None:
            problems.append(f"{name}: PATHWAY_FILE ({pathway or 'unset'}) must name a file in a mounted ConfigMap")
        elif not any(d.get("kind") == "ConfigMap" and d["metadata"]["name"] == config_map
                     and Path(pathway).name in d.get("data", {}) for d in docs):
            problems.append(f"{name}: no ConfigMap {config_map!r} with the key {Path(pathway).name!r}")
    service = _one(docs, "Service")
    if service is not None and any(labels.get(k) != v for k, v in service["spec"].get("selector", {}).items()):
        problems.append("Service: selector does not match the Deployment's pod labels")
    ingress = _one(docs, "Ingress")
    if ingress is not None:
        notes = ingress["metadata"].get("annotations", {})
        if notes.get("nginx.ingress.kubernetes.io/affinity") != "cookie":
            problems.append("Ingress: nginx.ingress.kubernetes.io/affinity must be 'cookie' (a session lives in one pod)")
        for key in ("proxy-read-timeout", "proxy-send-timeout"):
            value = notes.get(f"nginx.ingress.kubernetes.io/{key}", "60")
            if not str(value).isdigit() or int(value) < MIN_STREAM_TIMEOUT:
                problems.append(f"Ingress: nginx.ingress.kubernetes.io/{key} must be at least {MIN_STREAM_TIMEOUT} "
                                f"(seconds; the idle websocket), not {value!r}")
        paths = [p.get("path") for rule in ingress["spec"].get("rules", [])
                 for p in rule.get("http", {}).get("paths", [])]
        if paths != [base or "/"]:
            problems.append(f"Ingress: the one path must be the sub-path {base or '/'!r}, not {paths}")
    hpa = _one(docs, "HorizontalPodAutoscaler")
    if hpa is not None and hpa["spec"]["scaleTargetRef"].get("name") != deployment["metadata"]["name"]:
        problems.append("HorizontalPodAutoscaler: scaleTargetRef must name the Deployment")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=K8S)
    parser.add_argument("--kubernetes", default=KUBERNETES_VERSION, help="Kubernetes version (major.minor)")
    args = parser.parse_args(argv)
    docs = load_manifests(args.directory)
    problems = schema_problems(docs, args.kubernetes) + setting_problems(docs)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"{len(docs)} objects valid for Kubernetes {args.kubernetes}; the explorer's settings are in place")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
