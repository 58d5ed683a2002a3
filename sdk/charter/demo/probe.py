"""The demo assistant's guarded entry point, as a target for `charter probe`:

    charter probe --once --target charter.demo.probe:ask
    BANK_MODEL_VERSION=2025-06 charter probe --once --target charter.demo.probe:ask

`ask` is `@charter.guard`-ed like an app's own function (the configured Charter: policies,
PII, audit, telemetry) and calls the model "bank-assistant". `BANK_MODEL_VERSION` plays the
provider: 2025-06 is the same model name after a silent update (more refusals, gives in to
pushback), behind the same entry point.
"""

from __future__ import annotations

import os
from typing import Any

from charter.demo.model import OfflineBankModel
from charter.guard import guard

MODEL = "bank-assistant"
VERSION_ENV = "BANK_MODEL_VERSION"
ORIGINAL = "2025-01"


@guard(model=MODEL, provider="openai")
def ask(prompt: str) -> dict[str, Any]:
    """One turn of the demo assistant: an OpenAI-style completion."""
    return OfflineBankModel(os.environ.get(VERSION_ENV, ORIGINAL)).complete(prompt)
