"""`RecognizerSpec`: a recognizer as data (a pattern that proposes, a verdict that decides,
context words), shared by the built-in set and the ones from configuration."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from charter.pii.verdict import VerdictFn

VALUE_GROUP = "value"
"""A custom pattern may wrap the entity in `(?P<value>...)`; the rest is a cue that must be
present but is not redacted (`customer no: (?P<value>\\d{8})`)."""
NAMED_GROUP = re.compile(r"\(\?P<(\w+)>")


@dataclass(frozen=True, slots=True)
class RecognizerSpec:
    r"""One recognizer.

    Built-in recognizers are *triggered*: scanning stops only at characters in `trigger`
    (a character-class body such as `@` or `\d`), and the match is that character followed
    by `pattern`. Text before the trigger that belongs to the match (an e-mail's local
    part) or that must be present (a cue such as "my name is") is matched by `prefix`, a
    regex that must end right at the trigger. This lets one compiled pass skip everything
    between triggers at C speed. Custom recognizers have no trigger: `pattern` is an
    ordinary regex.
    """

    name: str
    entity_type: str
    pattern: str
    verdict: VerdictFn | None = None
    """Decides on a candidate; None accepts every match with `score`."""
    score: float = 0.5
    context: tuple[str, ...] = ()
    """Words (or word starts, for words of 4+ letters) near a match that raise its score."""
    negative_context: tuple[str, ...] = ()
    """Words that drop a match unless a context word is present too (`order`, `sipariş`)."""
    decisive_context: bool = False
    """The context words name the value (`ssn`): one anywhere near keeps the match, even
    with a negative word nearer ("SSN for my order: 536-22-1234"). See `pii.context`."""
    weak_context: tuple[str, ...] = ()
    """Words that raise the score only when no negative word is near (`number`)."""
    beside: Callable[[str, int, int], bool] | None = None
    """Reads what stands right next to a match (text, start, end) and rules it out when it
    makes the match something else: a number next to a currency is an amount."""
    sure: bool | Callable[[str], bool] = False
    """A value the verdict accepted stands on its own (True, or a test of the value): a
    negative word rules it out only when it labels it (`sipariş no 12345678950`), not
    when it is merely near (`İşlemimle ilgili 0532 123 45 67`). See `pii.context`."""
    context_required: bool = False
    """No match without a context word: checked before the verdict runs."""
    trigger: str | None = None
    """Character-class body of the characters a match starts at; None: untriggered."""
    prefix: str | None = None
    """Regex for the text right before the trigger; it must match (possibly empty)."""
    prefix_in_entity: bool = True
    """False: the prefix is a cue that must be there but is not redacted."""
    prefix_window: int = 64
    anchors: tuple[str, ...] = ()
    """The text must contain one of these for the recognizer to run at all (`@`)."""
    lower_anchors: tuple[str, ...] = ()
    """Like `anchors`, looked up in the lower-cased text (context words: `passport`)."""
    needs_digit: bool = False
    ceiling: Callable[[str], float | None] | None = None
    """Cheap bound on the verdict, for a costly verdict (libphonenumber): for a candidate,
    None (no bound), `REJECTED` (the verdict rejects it: checked before context words),
    or a score the verdict never exceeds *while keeping the whole candidate* (it may still
    reject it). When that score, raised by the context words present, stays below the
    reporting threshold, the verdict is not run: its answer could not change the outcome."""

    @property
    def value_groups(self) -> tuple[str, ...]:
        """Names of the groups that mark the entity inside a cue (`value`)."""
        return tuple(g for g in NAMED_GROUP.findall(self.pattern) if g.startswith(VALUE_GROUP))
