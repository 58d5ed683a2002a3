"""PII detection and reversible redaction, usable with or without the guard.

    from charter.pii import Redactor, Scope
    red = Redactor().redact("I'm Jane Doe, 0532 123 45 67", scope=Scope.conversation("c1"))
    red.text      # "I'm <PERSON_1>, <PHONE_NUMBER_1>"
    red.restore("Thanks <PERSON_1>, we will call <PHONE_NUMBER_1>.")

Importing this package is cheap: Presidio and spaCy load when a `spacy`-mode detector
first runs, the vault's cryptography when the vault is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from charter.pii.custom import CustomRecognizer, load_custom_recognizers
from charter.pii.factory import DetectorMode, make_detector
from charter.pii.findings import Detector, Finding, resolve_overlaps, summarize
from charter.pii.pattern import PatternDetector
from charter.pii.presidio import PresidioDetector
from charter.pii.recognizers import ALL_REGIONS, Region

if TYPE_CHECKING:
    from charter.pii.redaction import Redaction, mask, redact, redact_json
    from charter.pii.redactor import Redactor
    from charter.pii.scope import Scope
    from charter.pii.vault import Restoration, Vault
    from charter.pii.vault_store import MemoryVaultStore, SealedScope, VaultStore

_LAZY = {
    "Redaction": "charter.pii.redaction",
    "redact": "charter.pii.redaction",
    "redact_json": "charter.pii.redaction",
    "mask": "charter.pii.redaction",
    "Redactor": "charter.pii.redactor",
    "Vault": "charter.pii.vault",
    "Restoration": "charter.pii.vault",
    "Scope": "charter.pii.scope",
    "VaultStore": "charter.pii.vault_store",
    "MemoryVaultStore": "charter.pii.vault_store",
    "SealedScope": "charter.pii.vault_store",
}

__all__ = [
    "ALL_REGIONS",
    "CustomRecognizer",
    "Detector",
    "DetectorMode",
    "Finding",
    "MemoryVaultStore",
    "PatternDetector",
    "PresidioDetector",
    "Redaction",
    "Redactor",
    "Region",
    "Restoration",
    "Scope",
    "SealedScope",
    "Vault",
    "VaultStore",
    "load_custom_recognizers",
    "make_detector",
    "mask",
    "redact",
    "redact_json",
    "resolve_overlaps",
    "summarize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'charter.pii' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
