"""`DataScreen`: a screen that loads its data in a worker thread and shows it on the UI.

Subclasses split their work in two: `load()` runs in a thread and may only do I/O (store,
queue, bundle reads), `show(data)` runs on the event loop and only touches widgets. Loads
repeat every `refresh_interval()` seconds while the screen is visible; a load never
overlaps the previous one, so a slow store slows the refresh instead of piling up work.
A load that fails says so in a notification (the store's own errors in their words, any
other exception by its class), and the next refresh tries again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Generic, TypeVar, cast

from textual import work
from textual.binding import Binding
from textual.screen import Screen

from charter import CharterError
from monitor_tui.context import ConsoleContext, HasContext

T = TypeVar("T")
log = logging.getLogger(__name__)


class DataScreen(Screen[None], Generic[T]):
    BINDINGS = [Binding("f5", "reload", "Refresh")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loading = False
        self._last_error = ""
        self.loads = 0
        """How many loads have been shown (tests wait on it)."""

    @property
    def ctx(self) -> ConsoleContext:
        return cast(HasContext, self.app).context

    def refresh_interval(self) -> float:
        return self.ctx.refresh_s

    def on_mount(self) -> None:
        self.set_interval(self.refresh_interval(), self._tick)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def _tick(self) -> None:
        if self.is_current and not self._loading:
            self.reload()

    @work(group="load", exit_on_error=False)
    async def reload(self) -> None:
        if self._loading:
            return
        self._loading = True
        try:
            data = await asyncio.to_thread(self.load)
        except CharterError as exc:
            self._report(str(exc))
            return
        except Exception as exc:  # a bug or data nobody foresaw: say so, keep the console up
            log.exception("loading %s failed", type(self).__name__)
            self._report(
                f"{type(exc).__name__} while loading this screen (a bug in the console, "
                "please report it); it keeps refreshing and the other screens still work"
            )
            return
        finally:
            self._loading = False
        self._last_error = ""
        self.show(data)
        self.loads += 1

    def _report(self, message: str) -> None:
        if message != self._last_error:
            self._last_error = message
            self.notify(message, title="Could not load", severity="error", timeout=8)

    def action_reload(self) -> None:
        self.reload()

    def load(self) -> T:  # runs in a worker thread
        raise NotImplementedError

    def show(self, data: T) -> None:  # runs on the event loop
        raise NotImplementedError
