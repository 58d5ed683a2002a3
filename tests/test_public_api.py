"""The public surface: `__all__` is exact and importable, and `import charter` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import charter

HEAVY = (
    "presidio_analyzer",
    "spacy",
    "langchain_core",
    "textual",
    "opentelemetry.sdk",
    "numpy",
    "scipy",
    "sqlalchemy",
    "regorus",
)


def test_all_names_exist_and_are_sorted() -> None:
    for name in charter.__all__:
        assert hasattr(charter, name), name
    assert list(charter.__all__) == sorted(charter.__all__)


def test_every_error_is_a_charter_error() -> None:
    for name in charter.__all__:
        obj = getattr(charter, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, charter.CharterError), name


def test_import_is_light() -> None:
    code = (
        f"import sys, json, charter; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
