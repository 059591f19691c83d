"""The Helm chart, rendered with real Helm (helm-python-sdk), linted strictly, every object
validated strictly against the oldest and newest Kubernetes we support, and cross-checked for
what schemas cannot see (selectors, ports, backends, HPA target, stickiness)."""

from __future__ import annotations

import copy
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from klaviyo.oauth import VERIFIER_TTL

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "klaviyo-bill-explorer"
KUBE_VERSIONS = ["1.25.0", "1.37.0"]  # kubeVersion in Chart.yaml: >=1.25
APP_UPLOAD_LIMIT_MB = 50  # .streamlit/config.toml server.maxUploadSize (checked below)

# One file per value set, shared with the helm job in .github/workflows/ci.yml.
VALUE_SETS = {
    f.stem: yaml.safe_load(f.read_text()) for f in sorted((CHART.parent / "ci-values").glob("*.yaml"))
}


def render(values: dict) -> list[dict]:
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(values)
        files = chart.render(values, name="kbe", namespace="bills", is_install=True)
    docs = []
    for name, text in files.items():
        if name.endswith(".yaml"):
            docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


@pytest.fixture(scope="module", params=list(VALUE_SETS))
def rendered(request) -> tuple[str, list[dict]]:
    return request.param, render(VALUE_SETS[request.param])


def by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[dict], kind: str, name: str) -> dict:
    found = [d for d in by_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def test_strict_lint_passes_for_every_value_set():
    for name, values in VALUE_SETS.items():
        for kube in KUBE_VERSIONS:
            report = helm.lint(CHART, values, strict=True, kube_version=f"v{kube}")
            problems = [m for m in report["messages"] if m["severity"] >= 2]
            assert not problems and not report["errors"], (name, kube, report)


def test_lint_reports_a_broken_template(tmp_path):
    with helm.Chart.load(CHART) as chart:
        broken = Path(chart.save_dir(tmp_path))
    (broken / "templates" / "broken.yaml").write_text("kind: {{ .Values.nope.deeper }}\n")
    report = helm.lint(broken, strict=True)
    assert report["errors"] or any(m["severity"] == 3 for m in report["messages"])


@pytest.mark.parametrize(
    "bad",
    [
        {"app": {"affinityCookie": {"maxAgeSeconds": int(VERIFIER_TTL)}}},
        {"app": {"replicas": "2"}},
        {"ingress": {"controller": "haproxy"}},
        {"oauth": {"enabled": True}},
        {"engine": {"autoscalling": {}}},
    ],
)
def test_schema_refuses_bad_values(bad):
    with helm.Chart.load(CHART) as chart, pytest.raises(helm.HelmValuesError):
        chart.validate_schema(bad)


@pytest.mark.parametrize("kube", KUBE_VERSIONS)
def test_every_object_validates_strictly(rendered, kube):
    _, docs = rendered
    for doc in docs:
        kubernetes_validate.validate(doc, kube, strict=True)


def test_strict_validation_catches_a_typo():
    docs = render({})
    svc = copy.deepcopy(by_kind(docs, "Service")[0])
    svc["spec"]["sessionAfinity"] = "ClientIP"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(svc, KUBE_VERSIONS[-1], strict=True)


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_every_selector_matches_its_pods(rendered):
    _, docs = rendered
    deployments = by_kind(docs, "Deployment")
    for d in deployments:
        assert matches(d["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])
    for svc in by_kind(docs, "Service"):
        chosen = [
            d
            for d in deployments
            if matches(svc["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(chosen) == 1, svc["metadata"]["name"]
        ports = {
            p["name"] for c in chosen[0]["spec"]["template"]["spec"]["containers"] for p in c["ports"]
        }
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in ports
    for pdb in by_kind(docs, "PodDisruptionBudget"):
        chosen = [
            d
            for d in deployments
            if matches(
                pdb["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"]
            )
        ]
        assert [d["metadata"]["name"] for d in chosen] == ["kbe-klaviyo-bill-explorer-app"]
        assert (
            pdb["spec"]["minAvailable"] < chosen[0]["spec"]["replicas"]
            or chosen[0]["spec"]["replicas"] == 1
        )


def test_every_ingress_backend_exists(rendered):
    _, docs = rendered
    for ing in by_kind(docs, "Ingress"):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                svc = one(docs, "Service", backend["name"])
                names = {p.get("name") for p in svc["spec"]["ports"]} | {
                    p["port"] for p in svc["spec"]["ports"]
                }
                assert backend["port"].get("name", backend["port"].get("number")) in names


def test_every_referenced_config_and_secret_is_rendered_or_external(rendered):
    name, docs = rendered
    values = VALUE_SETS[name]
    external = {
        values.get("app", {}).get("cookieSecret", {}).get("existingSecret"),
        values.get("oauth", {}).get("existingSecret"),
    } - {None, ""}
    for dep in by_kind(docs, "Deployment"):
        spec = dep["spec"]["template"]["spec"]
        for c in spec["containers"]:
            for ref in c.get("envFrom", []):
                one(docs, "ConfigMap", ref["configMapRef"]["name"])
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] not in external:
                    assert ref["key"] in one(docs, "Secret", ref["name"])["data"]
        for vol in spec.get("volumes", []):
            if "secret" in vol:
                assert vol["secret"]["secretName"] in external


def test_hpa_targets_the_engine_which_has_no_fixed_replicas(rendered):
    name, docs = rendered
    engine = [d for d in by_kind(docs, "Deployment") if d["metadata"]["name"].endswith("-engine")]
    hpas = by_kind(docs, "HorizontalPodAutoscaler")
    if name == "one-replica-no-engine":
        assert not engine and not hpas
        return
    (eng,) = engine
    if name == "hpa-off":
        assert not hpas and eng["spec"]["replicas"] == 3
        return
    (hpa,) = hpas
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"], target["apiVersion"]) == (
        "Deployment",
        eng["metadata"]["name"],
        "apps/v1",
    )
    assert "replicas" not in eng["spec"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert eng["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]


def test_app_points_at_the_engine_service(rendered):
    name, docs = rendered
    cm = one(docs, "ConfigMap", "kbe-klaviyo-bill-explorer-config")
    if name == "one-replica-no-engine":
        assert "ENGINE_URL" not in (cm.get("data") or {})
        return
    svc = one(docs, "Service", "kbe-klaviyo-bill-explorer-engine")
    assert (
        cm["data"]["ENGINE_URL"] == f"http://{svc['metadata']['name']}:{svc['spec']['ports'][0]['port']}"
    )


def sticky(docs: list[dict]) -> bool:
    """Whether each browser stays on one app pod, across the OAuth redirect."""
    svc = one(docs, "Service", "kbe-klaviyo-bill-explorer-app")
    ann = svc["metadata"].get("annotations", {})
    if ann.get("traefik.ingress.kubernetes.io/service.sticky.cookie") == "true":
        return (
            ann["traefik.ingress.kubernetes.io/service.sticky.cookie.samesite"] == "lax"
            and int(ann["traefik.ingress.kubernetes.io/service.sticky.cookie.maxage"]) > VERIFIER_TTL
        )
    for ing in by_kind(docs, "Ingress"):
        a = ing["metadata"].get("annotations") or {}
        return (
            a.get("nginx.ingress.kubernetes.io/affinity") == "cookie"
            and a["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"
            and a["nginx.ingress.kubernetes.io/session-cookie-samesite"] == "Lax"
            and int(a["nginx.ingress.kubernetes.io/session-cookie-max-age"]) > VERIFIER_TTL
        )
    return svc["spec"].get("sessionAffinity") == "ClientIP"


def test_stickiness_is_on_whenever_the_app_has_more_than_one_replica(rendered):
    _, docs = rendered
    app = one(docs, "Deployment", "kbe-klaviyo-bill-explorer-app")
    if app["spec"]["replicas"] > 1:
        assert sticky(docs)


def test_sticky_check_can_fail():
    docs = render({"ingress": {"annotations": {"nginx.ingress.kubernetes.io/affinity": "none"}}})
    assert not sticky(docs)


def test_app_pods_share_one_cookie_secret_probe_health_and_pass_big_uploads(rendered):
    name, docs = rendered
    app = one(docs, "Deployment", "kbe-klaviyo-bill-explorer-app")
    (c,) = app["spec"]["template"]["spec"]["containers"]
    (cookie,) = [e for e in c["env"] if e["name"] == "STREAMLIT_SERVER_COOKIE_SECRET"]
    assert cookie["valueFrom"]["secretKeyRef"]["name"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["path"] == "/_stcore/health"
    config = (CHART.parents[2] / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {APP_UPLOAD_LIMIT_MB} " in config
    for ing in by_kind(docs, "Ingress"):
        a = ing["metadata"].get("annotations") or {}
        if "nginx.ingress.kubernetes.io/proxy-body-size" in a:
            assert (
                int(a["nginx.ingress.kubernetes.io/proxy-body-size"].rstrip("m")) > APP_UPLOAD_LIMIT_MB
            )
            assert int(a["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
            assert int(a["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    if name == "oauth-on":
        mounts = {m["mountPath"] for m in c["volumeMounts"]}
        assert "/home/app/.streamlit" in mounts


def test_notes_render():
    with helm.Chart.load(CHART) as chart:
        notes = chart.render({}, name="kbe", namespace="bills")[
            "klaviyo-bill-explorer/templates/NOTES.txt"
        ]
    assert "kbe-klaviyo-bill-explorer-engine:8000" in notes and "SameSite=Lax" in notes


def test_chart_packages(tmp_path):
    archive = helm.package(CHART, destination=tmp_path, version="1.2.3", app_version="1.2.3")
    with helm.Chart.load(archive) as chart:
        assert (chart.version, chart.metadata["appVersion"]) == ("1.2.3", "1.2.3")


def test_kind_values_render_two_sticky_app_pods_from_the_local_image():
    values = yaml.safe_load((CHART.parents[1] / "e2e" / "kind-values.yaml").read_text())
    docs = render(values)
    for doc in docs:
        kubernetes_validate.validate(doc, KUBE_VERSIONS[-1], strict=True)
    app = one(docs, "Deployment", "kbe-klaviyo-bill-explorer-app")
    assert app["spec"]["replicas"] == 2 and sticky(docs)
    (c,) = app["spec"]["template"]["spec"]["containers"]
    assert (c["image"], c["imagePullPolicy"]) == ("localhost/klaviyo-bill-explorer:ci", "Never")
