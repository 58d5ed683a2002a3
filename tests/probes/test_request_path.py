"""Probes never run on a request's path: nothing the guard loads imports them, and a guarded
call in a fresh process leaves them unloaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_architecture import IMPORTS, _within

ALLOWED = ("charter.probes", "charter.cli.probe", "charter.cli.evals")


def test_only_the_probe_commands_import_the_probes() -> None:
    bad = [
        f"{i.module}:{i.line}"
        for i in IMPORTS
        if _within(i.target, "charter.probes")
        and not any(_within(i.module, allowed) for allowed in ALLOWED)
        and not i.module.startswith("monitor_tui")  # the console reads probe spans
    ]
    assert not bad, bad


def test_a_guarded_call_loads_no_probe_code(tmp_path: Path) -> None:
    code = f"""
import json, sys
from charter.config import DEFAULT_POLICIES
from pathlib import Path
from charter.testing import make_charter
ch = make_charter(DEFAULT_POLICIES, Path({str(tmp_path)!r}), pii_mode="pattern")
answer = ch.guard(model="m", provider="openai")(lambda prompt: "fine")
assert answer("What are your opening hours?") == "fine"
ch.close()
print(json.dumps(sorted(m for m in sys.modules if m.startswith("charter.probes"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
