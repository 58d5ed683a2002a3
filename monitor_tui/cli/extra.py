"""The console extra's check, made before a command does any work: without the extra a
command fails at once with one line naming it, not with a bare `ModuleNotFoundError`
minutes into a run (`charter demo` drove 25 s of traffic before its drift step failed)."""

from __future__ import annotations

import importlib

from charter.cli import fail

INSTALL = "pip install 'charter[console]'"

# The extra's packages the drift statistics import (the console's Drift screen, `charter
# drift report`, the demo's last step).
DRIFT_MODULES = ("numpy", "scipy")


def need_console_extra(what: str, *modules: str) -> None:
    """Import `modules` (the extra's own packages a command uses, not ours: an import error
    in our code stays a bug, not a missing extra); `what` names the command in the error."""
    try:
        for module in modules:
            importlib.import_module(module)
    except ImportError:
        raise fail(f"{what} needs the console extra: {INSTALL}") from None
