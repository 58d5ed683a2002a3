"""Give the heap that loading a model freed back to the operating system.

Loading reads and checks files of tens of MB and builds tables from them. glibc keeps the
freed buffers in the process's heap (its mmap threshold rises after each large free, so
later buffers land on the heap and are not returned when freed), where they count as the
process's memory for as long as it runs: about 10 MB after stage 1 loads. `malloc_trim`
returns them, as Dask's workers do after large frees. Best-effort: elsewhere than glibc it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_freed_heap() -> bool:
    """Trim the heap; True when memory was returned."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
