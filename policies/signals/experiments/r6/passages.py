"""R6W's passage scoring, as measured (reverted from charter.signals; kept for the record).

It was wired into `SafetyClassifier.probabilities` like this:

    raw = clip(text, MAX_RAW_CHARS)
    parts = [raw, *passages(raw)]
    firsts = [self._stage_one_probabilities(part) for part in parts]
    if len(parts) == 1:
        return self._cascade(raw, firsts[0])          # short texts: as before
    suspect = sorted(range(len(parts)), key=lambda i: -float(firsts[i][self._gate_rows].max()))
    return np.maximum.reduce([self._cascade(parts[i], firsts[i]) for i in suspect[:2]])

where `_cascade(text, probs)` runs stage 2 on `context_text(text)` when `probs` is uncertain
and averages the two stages, as `probabilities` does for any text.
"""

from __future__ import annotations

import math
import re

LONG_TEXT = 600
PASSAGE = 300
STRIDE = 150
MAX_PASSAGES = 64

_SPACE = re.compile(r"\s")


def passages(text: str) -> list[str]:
    """Overlapping passages of `text` (none for a text up to `LONG_TEXT` characters), cut
    at whitespace where there is some near the cut."""
    if len(text) <= LONG_TEXT:
        return []
    stride = max(STRIDE, math.ceil((len(text) - PASSAGE) / (MAX_PASSAGES - 1)))
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + PASSAGE)
        if end < len(text):
            cut = next(
                (i for i in range(end - 1, start + PASSAGE // 2 - 1, -1) if text[i].isspace()), -1
            )
            end = cut if cut > 0 else end
        passage = text[start:end].strip()
        if passage:
            out.append(passage)
        if end >= len(text):
            break
        start = _next_word(text, start + stride)
    return out


def _next_word(text: str, at: int) -> int:
    if at >= len(text) or at == 0 or text[at - 1].isspace():
        return at
    found = _SPACE.search(text, at, min(len(text), at + 30))
    return found.end() if found else at
