"""Tool data the checks changed, handed back in the application's own types.

A guarded tool's arguments and result are checked as their JSON view (`limits.json_view`:
models and dataclasses as their fields, tuples as lists, other objects as text). When the
policy redacts, the redacted view used to replace the value itself, so a tool typed
`contact: Contact` was called with a dict and an agent got a dict back for its `Contact`.
The changes are now carried into a copy of the value (`structured.with_changes`), and
that copy is used only when its own view is exactly the redacted one; otherwise (a
redacted integer, an IP address held as an object, a set) the redacted view is used as
before, so nothing the policy took out can come back through a type the walk does not
read.
"""

from __future__ import annotations

from typing import Any

from charter.pipeline.limits import Unreadable, json_view
from charter.structured import with_changes


def in_own_types(value: Any, view: Any, redacted: Any) -> Any:
    """`value` as the checks left it: itself when its view `view` did not change, a copy
    of its own type holding the changes of `redacted` when that copy's view is exactly
    `redacted`, else `redacted`."""
    if redacted is view or redacted == view:
        return value
    carried = with_changes(value, view, redacted)
    if carried is None:
        return redacted
    try:
        same = json_view(carried, finite=False) == redacted
    except Unreadable:
        same = False
    return carried if same else redacted
