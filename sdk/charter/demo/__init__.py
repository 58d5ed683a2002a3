"""The demo support bot: an offline bank model, guarded tools and generated conversations.
The console's `charter demo` drives it (monitor_tui/demo.py)."""

from __future__ import annotations

from charter.demo.bot import SupportBot
from charter.demo.conversations import Turn, generate
from charter.demo.model import OfflineBankModel

__all__ = ["OfflineBankModel", "SupportBot", "Turn", "generate"]
