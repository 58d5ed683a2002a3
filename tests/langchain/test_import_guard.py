"""`charter.langchain` is an extra: `import charter` never loads LangChain, and without
langchain-core the integration says which extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_importing_charter_does_not_import_langchain() -> None:
    result = _run(
        """
        import sys
        import charter
        roots = {"langchain", "langchain_core"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in roots))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_langchain_core_the_error_names_the_extra() -> None:
    result = _run(
        """
        import sys
        sys.modules["langchain_core"] = None  # as if it were not installed
        import charter
        try:
            import charter.langchain
        except charter.IntegrationError as exc:
            print("IntegrationError:", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("IntegrationError:")
    assert 'pip install "charter[langchain]"' in result.stdout
