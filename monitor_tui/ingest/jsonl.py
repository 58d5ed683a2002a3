"""Reading the JSON-lines files `charter monitor export` writes (`SpanStore.export_jsonl`;
the format is in `monitor_tui.ingest.records`): checked at the file boundary, so one bad
line is an error naming the file and line, never a traceback from deep in drift."""

from __future__ import annotations

import json
from collections.abc import Iterable

from charter import ConfigurationError
from monitor_tui.ingest.records import SpanRecord


def read_jsonl(lines: Iterable[str], *, source: str = "<input>") -> list[SpanRecord]:
    """Parse an exported JSON-lines file; a bad line raises `ConfigurationError` naming it."""
    from pydantic import ValidationError

    records: list[SpanRecord] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(SpanRecord.from_json_dict(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{source}:{number}: not JSON ({exc.msg}); expected one span object per line "
                "as written by `charter monitor export`"
            ) from None
        except (ValidationError, TypeError) as exc:
            raise ConfigurationError(
                f"{source}:{number}: not a span: {_first_problem(exc)}; expected the format "
                "written by `charter monitor export`"
            ) from None
    return records


def _first_problem(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "line"
        return f"{where}: {err['msg']}"
    return "each line must be a JSON object"
