"""The heap freed while a model loads goes back to the operating system (glibc)."""

from __future__ import annotations

import sys

import pytest

from charter.signals._memory import release_freed_heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_is_returned() -> None:
    # Many blocks under the mmap threshold land on the heap; freed, they stay in it until
    # trimmed. The last block is kept so the heap's top is not simply shrunk on free.
    blocks = [bytearray(64 * 1024) for _ in range(400)]
    keep = bytearray(64 * 1024)
    del blocks
    assert release_freed_heap() is True
    del keep
