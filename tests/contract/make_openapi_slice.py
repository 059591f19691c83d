"""Copy the slice of Klaviyo's official OpenAPI spec that the client uses into this folder.

Source: ../shared/klaviyo-openapi/stable.json (GitHub klaviyo/openapi, branch main, commit
f0a30ba41254904dc410d84ca497df68f8872276, revision 2026-07-15, MIT licence) and
beta-billing.json (openapi/beta/categories/billing.json, same commit, revision 2026-07-15.pre).
The slice keeps each used operation's request and response schemas with every schema they
reference, turned into JSON Schema (OpenAPI 3.0's `nullable` becomes a null type). Run it
again when the spec changes: `python tests/contract/make_openapi_slice.py`.
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPECS = HERE.parents[2] / "shared" / "klaviyo-openapi"  # the repo sits beside shared/
OPERATIONS = {
    # (path, method): spec file
    ("/api/accounts", "get"): "stable.json",
    ("/api/metrics", "get"): "stable.json",
    ("/api/metric-aggregates", "post"): "stable.json",
    ("/api/segments", "get"): "stable.json",
    ("/api/segments/{id}", "get"): "stable.json",
    ("/api/segment-series-reports", "post"): "stable.json",
    ("/api/billing-usage", "get"): "beta-billing.json",
}
JSONAPI = "application/vnd.api+json"


def convert(node, defs_from, wanted):
    """OpenAPI 3.0 schema -> JSON Schema, collecting referenced component names."""
    if isinstance(node, list):
        return [convert(n, defs_from, wanted) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            name = value.rsplit("/", 1)[1]
            wanted.add(name)
            out["$ref"] = f"#/$defs/{name}"
        elif key in {"nullable", "discriminator", "example", "x-klaviyo-pre-release"}:
            continue
        else:
            out[key] = convert(value, defs_from, wanted)
    if node.get("nullable"):
        if "type" in out and "enum" not in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def main() -> None:
    defs, ops = {}, {}
    for (path, method), file in OPERATIONS.items():
        spec = json.loads((SPECS / file).read_text())
        components = spec["components"]["schemas"]
        op = spec["paths"][path][method]
        entry, wanted = (
            {"revision": spec["info"]["version"], "scopes": op.get("x-klaviyo-scopes", [])},
            set(),
        )
        ok = next(k for k in op["responses"] if k.startswith("2"))
        entry["response"] = convert(
            op["responses"][ok]["content"][JSONAPI]["schema"], components, wanted
        )
        body = op.get("requestBody", {}).get("content", {}).get(JSONAPI, {}).get("schema")
        if body:
            entry["request"] = convert(body, components, wanted)
        errors = op["responses"].get("4XX", {})
        if "$ref" in errors:  # a shared response: #/components/responses/ClientError
            errors = spec["components"]["responses"][errors["$ref"].rsplit("/", 1)[1]]
        errors = errors.get("content", {}).get(JSONAPI, {}).get("schema")
        if errors:
            entry["error"] = convert(errors, components, wanted)
        while wanted - defs.keys():
            name = (wanted - defs.keys()).pop()
            defs[name] = convert(components[name], components, wanted)
        ops[f"{method.upper()} {path}"] = entry
    out = {
        "x-source": __doc__.split("\n\n")[1].replace("\n", " "),
        "operations": ops,
        "$defs": dict(sorted(defs.items())),
    }
    (HERE / "klaviyo_openapi_slice.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
