"""One async client per event loop, closed with its loop.

An aiohttp session belongs to the loop it was made on. `OpaServerEngine` kept one per
`id(loop)` and never dropped it (found by probing): each `asyncio.run()` left a session and
its sockets open (300 runs: 7 -> 607 file descriptors) and kept its dead loop alive, and a
new loop given a dead one's id got its session. Here the loop itself is the key, and a
client is closed inside its loop as the loop shuts down: `asyncio.run()` and
`asyncio.Runner` close the loop's async generators last, and each client is watched by
one. A loop closed without that (`loop.close()` alone) has its client dropped at the next
call, closed as far as a closed loop allows (aiohttp leaves its sockets to the garbage
collector then).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

C = TypeVar("C")


class LoopClients(Generic[C]):
    """The client of each running event loop: `make` builds one, `close` closes it."""

    def __init__(
        self, make: Callable[[], Awaitable[C]], close: Callable[[C], Coroutine[Any, Any, None]]
    ) -> None:
        self._make = make
        self._close = close
        self._held: dict[asyncio.AbstractEventLoop, tuple[C, AsyncGenerator[None, None]]] = {}

    def __len__(self) -> int:
        return len(self._held)

    async def get(self) -> C:
        """The running loop's client, made on first use."""
        loop = asyncio.get_running_loop()
        self._drop_closed()
        held = self._held.get(loop)
        if held is None:
            client = await self._make()
            held = self._held.get(loop)  # another task of this loop made one meanwhile
            if held is not None:
                await self._close(client)
                return held[0]
            watcher = self._watch(loop, client)
            await anext(watcher)  # now the loop's shutdown closes it
            self._held[loop] = held = (client, watcher)
        return held[0]

    async def aclose(self) -> None:
        """Closes the running loop's client now; those of other loops close with them."""
        loop = asyncio.get_running_loop()
        self._drop_closed()
        held = self._held.pop(loop, None)
        if held is not None:
            await held[1].aclose()

    async def _watch(
        self, loop: asyncio.AbstractEventLoop, client: C
    ) -> AsyncGenerator[None, None]:
        """Waits, for the loop's life, to close `client`."""
        try:
            yield
        finally:
            held = self._held.get(loop)
            if held is not None and held[0] is client:
                del self._held[loop]
            if loop.is_closed():
                _finish(self._close(client))
            else:
                await self._close(client)

    def _drop_closed(self) -> None:
        for loop, (_, watcher) in list(self._held.items()):
            if loop.is_closed():
                self._held.pop(loop, None)
                _finish(watcher.aclose())


def _finish(step: Coroutine[Any, Any, None]) -> None:
    """Runs a coroutine that needs no loop to its end (closing a client of a closed loop
    does not wait); one that would wait is abandoned."""
    try:
        step.send(None)
    except StopIteration:
        return
    step.close()
