"""Files at rest that only their owner may read: the SQLite store (pending approvals hold
redacted actions, and a name detection missed stays in them) and its checkpoints.

Charter makes what it creates private: its folder 0700, its files 0600 (SQLite gives a
database's `-wal` and `-shm` files the database's own mode). A folder or file that exists
already keeps the modes it has: whoever made it chose them (a group sharing a store).
"""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(folder: str | Path) -> None:
    """Create `folder` (and any missing parents) unless it exists; the folder itself 0700."""
    Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(file: str | Path) -> None:
    """Create `file` empty, 0600, in a private folder, unless it exists (an empty file is
    an empty SQLite database)."""
    private_folder(Path(file).parent)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
