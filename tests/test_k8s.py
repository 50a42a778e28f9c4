"""The Kubernetes manifests in deploy/k8s/: valid against a pinned Kubernetes version's API schemas (offline, with
kubernetes-validate), and carrying the settings the explorer needs; a broken manifest is refused with a message."""

from __future__ import annotations

import copy
from typing import Any, Callable

import kubernetes_validate
import pytest

from deploy.check_k8s import HEALTH, KUBERNETES_VERSION, load_manifests, main, schema_problems, setting_problems

DOCS = load_manifests()


def of(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind)


def container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return of(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def test_the_pinned_kubernetes_version_has_schemas_in_the_installed_validator():
    """kubernetes-validate compares versions as strings: the pinned one must be present exactly, not resolved."""
    assert f"{KUBERNETES_VERSION}.0" in kubernetes_validate.utils.all_versions()


@pytest.mark.parametrize("doc", DOCS, ids=[f"{d['kind']}-{d['metadata']['name']}" for d in DOCS])
def test_every_manifest_is_valid_for_the_pinned_kubernetes_version(doc):
    assert schema_problems([doc]) == []


def test_the_shipped_manifests_carry_every_setting_the_explorer_needs():
    assert setting_problems(DOCS) == []


def test_the_probes_ask_for_the_health_endpoint_under_the_sub_path():
    box = container(DOCS)
    base = next(e["value"] for e in box["env"] if e["name"] == "BASE_PATH")
    assert base == "/pathways"
    assert box["readinessProbe"]["httpGet"]["path"] == box["livenessProbe"]["httpGet"]["path"] == base + HEALTH
    ingress = of(DOCS, "Ingress")
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] == base
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/session-cookie-path"] == base


def test_the_command_line_check_passes_on_the_shipped_manifests(capsys):
    assert main([]) == 0
    assert f"valid for Kubernetes {KUBERNETES_VERSION}" in capsys.readouterr().out


def _set(path: list[str | int], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for key in path[:-1]:
            doc = doc[key]
        if value is DELETE:
            del doc[path[-1]]
        else:
            doc[path[-1]] = value
    return change


DELETE = object()
BOX = ["spec", "template", "spec", "containers", 0]

BROKEN = [
    ("Deployment", _set(BOX + ["readinessProbe", "httpGet", "path"], "/_stcore/health"),
     "readinessProbe must GET '/pathways/_stcore/health'", "probe-without-the-sub-path"),
    ("Deployment", _set(BOX + ["livenessProbe", "httpGet", "path"], "/pathways/healthz"),
     "livenessProbe must GET '/pathways/_stcore/health'", "probe-on-a-wrong-path"),
    ("Deployment", _set(BOX + ["resources", "limits", "memory"], DELETE),
     "resources.limits.memory is missing", "missing-memory-limit"),
    ("Deployment", _set(BOX + ["resources", "requests", "cpu"], DELETE),
     "resources.requests.cpu is missing", "missing-cpu-request"),
    ("Deployment", _set(BOX + ["securityContext", "readOnlyRootFilesystem"], False),
     "readOnlyRootFilesystem must be true", "writable-root"),
    ("Deployment", _set(["spec", "template", "spec", "securityContext", "runAsNonRoot"], False),
     "runAsNonRoot must be true", "root-allowed"),
    ("Deployment", _set(["spec", "template", "spec", "volumes", 0, "emptyDir"], DELETE),
     "/tmp must be an emptyDir", "tmp-not-an-emptydir"),
    ("Deployment", _set(BOX + ["env", 1, "value"], "/app/pathways/content/relapsed-all.yaml"),
     "must name a file in a mounted ConfigMap", "pathway-file-not-from-the-configmap"),
    ("Ingress", _set(["metadata", "annotations", "nginx.ingress.kubernetes.io/affinity"], DELETE),
     "affinity must be 'cookie'", "no-session-affinity"),
    ("Ingress", _set(["metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-read-timeout"], "60"),
     "proxy-read-timeout must be at least 3600", "websocket-timeout-60s"),
    ("HorizontalPodAutoscaler", _set(["spec", "scaleTargetRef", "name"], "other"),
     "scaleTargetRef must name the Deployment", "autoscaler-on-another-target"),
]


@pytest.mark.parametrize("kind, change, message", [b[:3] for b in BROKEN], ids=[b[3] for b in BROKEN])
def test_a_manifest_missing_a_needed_setting_is_refused_with_a_message(kind, change, message):
    docs = copy.deepcopy(DOCS)
    change(of(docs, kind))
    problems = setting_problems(docs)
    assert any(message in problem for problem in problems), problems


SCHEMA_BROKEN = [
    ("Deployment", _set(["spec", "replicas"], "two"), "spec.replicas", "replicas-not-a-number"),
    ("Deployment", _set(BOX + ["readinessProbe", "httpGett"], {"path": "/pathways/_stcore/health"}),
     "httpGett", "misspelt-field"),
    ("Ingress", _set(["spec", "rules", 0, "http", "paths", 0, "backend", "service", "port"], {"number": "eighty"}),
     "backend.service.port.number", "port-not-a-number"),
    ("HorizontalPodAutoscaler", _set(["spec", "maxReplicas"], DELETE), "maxReplicas", "autoscaler-without-a-maximum"),
]


@pytest.mark.parametrize("kind, change, where", [b[:3] for b in SCHEMA_BROKEN], ids=[b[3] for b in SCHEMA_BROKEN])
def test_a_manifest_that_breaks_the_api_schema_is_refused(kind, change, where):
    docs = copy.deepcopy(DOCS)
    change(of(docs, kind))
    problems = schema_problems([of(docs, kind)])
    assert problems and where in problems[0], problems
