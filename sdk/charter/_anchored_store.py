"""A Charter's SQLite store, named by its absolute path once, when the Charter is built.

Found by probing: each part opened a relative store path (`sqlite:///data/c.db`, or
`sqlite:///file:data/c.db?uri=true`) against the working directory of the moment it was
built. The approval queue is built on the first held call, so after an `os.chdir` it made,
migrated and wrote a second store, with a second pseudonym key, in the new directory, and
`charter approvals` run in the first never saw the request. Every part reads the Charter's
settings, so their copy names the one file; settings loaded on their own keep the spelling
they were given (`Settings.load`, the commands).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charter.config import Settings


def anchored(settings: Settings) -> Settings:
    """`settings` with a relative SQLite `store_url` made absolute against the working
    directory now; as they are for any other store. Where each setting came from is kept."""
    from charter.store.db import absolute_store_url

    url = absolute_store_url(settings.store_url)
    if url == settings.store_url:
        return settings
    return settings.model_copy(update={"store_url": url})
