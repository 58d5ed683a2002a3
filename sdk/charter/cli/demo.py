"""`charter demo`: the whole product on the embedded defaults."""

from __future__ import annotations

from charter.cli._common import fail


def demo() -> None:
    """Run the support-bot demo."""
    raise fail("the demo is not built yet")
