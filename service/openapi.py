"""`python -m service.openapi`: write the app's OpenAPI document to service/openapi.json.

tests/service/test_openapi.py fails when the app's schema drifts from the committed file; run
this after changing an endpoint or an engine model, and commit the result."""

from __future__ import annotations

import json
from pathlib import Path

from service.app import app

PATH = Path(__file__).with_name("openapi.json")


def document() -> str:
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(document(), encoding="utf-8")
    print(f"wrote {PATH}")
