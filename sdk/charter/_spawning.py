"""Whether this process is a spawned child still importing its parent's script.

A child started by spawning re-runs the script's top-level code first; a script without
`if __name__ == "__main__":` then starts the same child again from inside it, which
multiprocessing refuses with a RuntimeError that says only "before the current process has
finished its bootstrapping phase", and the parent sees the child end abruptly (read as
killed, or out of memory). Callers that spawn name the cause instead.
"""

from __future__ import annotations

import multiprocessing

MAIN_GUARD = 'keep the calls under `if __name__ == "__main__":`'


def bootstrapping() -> bool:
    """This process is a spawned child still importing its parent's `__main__`."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))
