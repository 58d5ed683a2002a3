"""`stop_on_signals`: long-running commands stop gracefully on SIGINT and SIGTERM, even when
they were started with SIGINT ignored (a background job of a script inherits it so, and
Python then never raises `KeyboardInterrupt`)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from charter.cli import stop_on_signals


@pytest.fixture
def sigint_ignored() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_sets_the_event_even_when_sigint_was_ignored(
    sigint_ignored: None, sig: signal.Signals
) -> None:
    term_before = signal.getsignal(signal.SIGTERM)
    with stop_on_signals() as stop:
        assert not stop.is_set()
        os.kill(os.getpid(), sig)
        assert stop.wait(5)
    # the handlers that were there before come back
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is term_before


def test_a_second_ctrl_c_interrupts_a_graceful_stop_that_hangs() -> None:
    int_before = signal.getsignal(signal.SIGINT)
    with stop_on_signals() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(5)
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            threading.Event().wait(5)  # the handler runs here and raises
    assert signal.getsignal(signal.SIGINT) is int_before


def test_off_the_main_thread_nothing_is_installed() -> None:
    seen: list[object] = []
    term_before = signal.getsignal(signal.SIGTERM)

    def worker() -> None:
        with stop_on_signals() as stop:
            seen.append(signal.getsignal(signal.SIGTERM))
            stop.set()  # only the caller sets it there
            seen.append(stop.is_set())

    t = threading.Thread(target=worker)
    t.start()
    t.join(5)
    assert seen == [term_before, True]
