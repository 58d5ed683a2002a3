"""`PatternDetector`: the built-in recognizers in one compiled pass, validation only on
candidates.

Presidio runs one regex loop per recognizer (and libphonenumber's matcher once per region)
over the whole text. Here the built-in recognizers are joined into one alternation that
starts with the union of their trigger characters (`@`, `:`, `.`, digits, ...), so the
regex engine skips everything else at C speed and tries the alternatives only where one
of them can start. The named group that matched says which recognizer's verdict to run.
Recognizers whose anchor is absent (`@` for e-mail, a digit for numbers) are left out for
that text. Custom recognizers are ordinary regexes: they get a second pass of their own,
and win where they overlap a built-in match. No NLP model: this is the guard's hot path.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Sequence

from charter.errors import PIIError
from charter.pii.compiled import (
    MAX_PLANS,
    Compiled,
    Later,
    Lowered,
    anchored,
    around_span,
)
from charter.pii.context import Around
from charter.pii.custom import CustomRecognizer
from charter.pii.findings import Finding, new_finding, resolve_overlaps
from charter.pii.folding import folded, unfolded
from charter.pii.keywords import Keywords
from charter.pii.recognizers import ALL_REGIONS, builtin_recognizers
from charter.pii.spec import VALUE_GROUP, RecognizerSpec
from charter.pii.urls import cut_around, may_hold_values, values_start
from charter.pii.verdict import close_call_memo, open_call_memo

DEFAULT_MIN_SCORE = 0.4
_DIGIT = re.compile(r"\d")
_NONE: frozenset[str] = frozenset()


class PatternDetector:
    """Fast regex detector with Presidio-grade validation (Luhn, checksums, context).

    `regions` picks the national recognizers (see `builtin_recognizers`: TC Kimlik No
    and Turkish formats for `TR`, EU ids for `EU`, NINO/NHS for `UK`, SSN and NANP phone
    formats for `US`; IBANs, cards, wallets and international numbers always);
    `phone_regions` overrides the countries whose national phone formats count without a
    context word; `custom` adds configured recognizers; findings scoring below
    `min_score` after context words are dropped. `names`/`places` turn the PERSON and
    LOCATION recognizers (cues and word lists) on or off.
    """

    def __init__(
        self,
        *,
        regions: Collection[str] = ALL_REGIONS,
        custom: Sequence[CustomRecognizer] = (),
        min_score: float = DEFAULT_MIN_SCORE,
        recognizers: Sequence[RecognizerSpec] | None = None,
        phone_regions: Collection[str] | None = None,
        names: bool = True,
        places: bool = True,
    ) -> None:
        if not 0.0 <= min_score <= 1.0:
            raise PIIError(f"min_score must be between 0 and 1, got {min_score}")
        builtin = (
            list(recognizers)
            if recognizers is not None
            else builtin_recognizers(
                regions, phone_regions=phone_regions, names=names, places=places
            )
        )
        self._specs: tuple[RecognizerSpec, ...] = (*(c.to_spec() for c in custom), *builtin)
        if not self._specs:
            raise PIIError("a PatternDetector needs at least one recognizer")
        self._min_score = min_score
        self._compiled_specs = tuple(Compiled.of(i, spec) for i, spec in enumerate(self._specs))
        self._anchor_sets: dict[frozenset[str] | None, tuple[Keywords, Keywords]] = {}
        self._wanted: dict[Collection[str], frozenset[str]] = {}
        self._passes: dict[tuple[int, ...], re.Pattern[str]] = {}
        self._plans: dict[object, list[tuple[int, ...]]] = {}
        self._group_index = {f"r{i}": i for i in range(len(self._specs))}
        self._singles = tuple(self._compile((i,)) for i in range(len(self._specs)))
        self._triggers = tuple(
            re.compile(f"[{spec.trigger}]") if spec.trigger is not None else None
            for spec in self._specs
        )
        self._fallbacks: dict[tuple[int, ...], Later] = {}
        self._urls = frozenset(
            i for i, s in enumerate(self._specs) if s.entity_type == "URL" and s.trigger
        )
        self._inside_urls: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._lock = threading.Lock()
        everything = tuple(range(len(self._specs)))
        for indexes in self._split(everything):  # fail now, not on the first text
            self._compiled_for(indexes)
        self._passes.update({(i,): self._singles[i] for i in range(len(self._specs))})

    @property
    def supported_entities(self) -> frozenset[str]:
        return frozenset(s.entity_type for s in self._specs)

    @property
    def recognizers(self) -> tuple[RecognizerSpec, ...]:
        return self._specs

    def detect(self, text: str, *, entities: Collection[str] | None = None) -> list[Finding]:
        """Findings with offsets into `text`, read on its folded form (`pii.folding`: odd
        spaces, full-width forms and invisible characters hide no value)."""
        scan, where = folded(text)
        token = open_call_memo()
        try:
            found = self._detect(scan, entities)
        finally:
            close_call_memo(token)
        if where is None:
            return found
        return [unfolded(f, where) for f in found]

    def _detect(self, text: str, entities: Collection[str] | None) -> list[Finding]:
        passes = self._passes_for(text, entities)
        arounds: dict[tuple[int, int], Around] = {}
        if len(passes) < 2:
            return self._scan(text, passes[0], arounds) if passes else []
        lowered = Lowered(text)
        found = [f for indexes in passes for f in self._scan(text, indexes, arounds, lowered)]
        return resolve_overlaps(found, rank=self._custom_first)

    # --- compiling -----------------------------------------------------------------------

    def _split(self, indexes: tuple[int, ...]) -> list[tuple[int, ...]]:
        """Custom (untriggered) recognizers scan apart from the built-in (triggered) ones.
        Built-ins gated by a context word ("passport") or led by a cue ("my name is") scan
        one by one: each compiles once, a cue is searched before its entity, and a new mix
        of context words never costs a new compilation of the main pass."""
        plain = tuple(i for i in indexes if self._specs[i].trigger is None)
        triggered = [i for i in indexes if self._specs[i].trigger is not None]
        main = tuple(i for i in triggered if not self._on_its_own(i))
        alone = [(i,) for i in triggered if self._on_its_own(i)]
        return [p for p in (plain, main) if p] + alone

    def _on_its_own(self, index: int) -> bool:
        return bool(self._specs[index].lower_anchors) or self._compiled_specs[index].cue is not None

    def _group(self, index: int) -> str:
        spec = self._specs[index]
        pattern = spec.pattern.replace(f"(?P<{VALUE_GROUP}", f"(?P<r{index}_{VALUE_GROUP}")
        if spec.trigger is None:
            return f"(?P<r{index}>{pattern})"
        return f"(?<=[{spec.trigger}])(?P<r{index}>{pattern})"

    def _compile(self, indexes: tuple[int, ...]) -> re.Pattern[str]:
        alternatives = "|".join(self._group(i) for i in indexes)
        triggers = [self._specs[i].trigger for i in indexes]
        source = alternatives
        if triggers[0] is not None:
            source = "[" + "".join(dict.fromkeys(t for t in triggers if t)) + f"](?:{alternatives})"
        try:
            return re.compile(source)
        except re.error as exc:
            names = [self._specs[i].name for i in indexes]
            raise PIIError(f"recognizer patterns {names} do not compile together: {exc}") from None

    def _compiled_for(self, indexes: tuple[int, ...]) -> re.Pattern[str]:
        compiled = self._passes.get(indexes)
        if compiled is None:
            with self._lock:
                compiled = self._passes.get(indexes) or self._compile(indexes)
                self._passes[indexes] = compiled
        return compiled

    def _passes_for(self, text: str, entities: Collection[str] | None) -> list[tuple[int, ...]]:
        """Which recognizers run on `text`: those for the wanted types whose anchors the
        text contains. Cached per (types, digit present, anchors present): a call costs a
        digit search and a few substring tests."""
        wanted = (
            None
            if entities is None
            else self._wanted.get(entities)
            if isinstance(entities, tuple | frozenset)
            else None
        )
        if wanted is None and entities is not None:
            wanted = frozenset(entities)
            if isinstance(entities, tuple | frozenset) and len(self._wanted) < MAX_PLANS:
                self._wanted[entities] = wanted
        anchors, lower_anchors = self._anchors_for(wanted)
        has_digit = _DIGIT.search(text) is not None
        present = anchors.found(text)
        present_lower = lower_anchors.found(text.lower()) if lower_anchors.words else _NONE
        key = (wanted, has_digit, present, present_lower)
        passes = self._plans.get(key)
        if passes is None:
            here = present | present_lower
            active = tuple(
                i
                for i, spec in enumerate(self._specs)
                if (wanted is None or spec.entity_type in wanted)
                and (has_digit or not spec.needs_digit)
                and anchored(spec, here)
            )
            passes = self._split(active)
            if len(self._plans) < MAX_PLANS:
                self._plans[key] = passes
        return passes

    def _anchors_for(self, wanted: frozenset[str] | None) -> tuple[Keywords, Keywords]:
        """The anchors worth looking for when only `wanted` types are asked for."""
        found = self._anchor_sets.get(wanted)
        if found is None:
            specs = [s for s in self._specs if wanted is None or s.entity_type in wanted]
            found = (
                Keywords(sorted({a for s in specs for a in s.anchors})),
                Keywords(sorted({a for s in specs for a in s.lower_anchors})),
            )
            if len(self._anchor_sets) < MAX_PLANS:
                self._anchor_sets[wanted] = found
        return found

    def _custom_first(self, f: Finding) -> tuple[float, ...]:
        return (f.recognizer.startswith("custom:"), f.score, f.length)

    # --- scanning ------------------------------------------------------------------------

    def _scan(
        self,
        text: str,
        active: tuple[int, ...],
        arounds: dict[tuple[int, int], Around],
        lowered: Lowered | None = None,
        span: tuple[int, int] | None = None,
    ) -> list[Finding]:
        """One pass (over `span` of the text, or all of it); the regex iterator restarts
        only where a candidate was rejected or shortened (then scanning resumes right after
        its start, or after the part kept). `arounds`: the words around the spans judged in
        this `detect` call."""
        if len(active) == 1 and self._compiled_specs[active[0]].cue is not None:
            return self._scan_after_cues(text, active[0], arounds, lowered or Lowered(text))
        finditer = self._compiled_for(active).finditer
        group_index = self._group_index
        judge = self._judge
        later = self._later_in(active)
        urls = self._urls
        findings: list[Finding] = []
        pos, size = span or (0, len(text))
        while pos <= size:
            for match in finditer(text, pos, size):
                start = match.start()
                index = group_index[match.lastgroup]  # type: ignore[index]
                found = judge(text, match, index, arounds) or self._fallback(
                    text, start, index, later, arounds, size
                )
                if found is None:
                    pos = start + 1
                    break
                if index in urls and may_hold_values(text, found.start, found.end):
                    findings += self._inside_url(text, found, active, arounds)
                else:
                    findings.append(found)
                if found.end != match.end():
                    pos = found.end if found.end > start else start + 1
                    break
            else:
                return findings
        return findings

    def _inside_url(
        self,
        text: str,
        url: Finding,
        active: tuple[int, ...],
        arounds: dict[tuple[int, int], Around],
    ) -> list[Finding]:
        """The URL finding, or its pieces around the values in its path and query found
        by the other recognizers of the pass (`charter.pii.urls`)."""
        others = self._inside_urls.get(active)
        if others is None:
            others = tuple(i for i in active if i not in self._urls)
            if len(self._inside_urls) < MAX_PLANS:
                self._inside_urls[active] = others
        begin = values_start(text, url.start, url.end)
        if not others or begin >= url.end:
            return [url]
        inside = self._scan(text, others, arounds, span=(begin, url.end))
        return cut_around(url, inside) if inside else [url]

    def _scan_after_cues(
        self, text: str, index: int, arounds: dict[tuple[int, int], Around], lowered: Lowered
    ) -> list[Finding]:
        """A cue recognizer alone: find its cues (one C-speed search), then try the entity
        right after each, instead of testing the cue before every capitalised word."""
        spec = self._compiled_specs[index]
        single = self._singles[index]
        haystack = lowered.text if spec.cue_on_lower else text
        findings: list[Finding] = []
        for found_cue in spec.cue.finditer(haystack):  # type: ignore[union-attr]
            match = single.match(text, found_cue.end())
            if match is not None and (found := self._judge(text, match, index, arounds)):
                findings.append(found)
        return findings

    def _judge(
        self, text: str, match: re.Match[str], index: int, arounds: dict[tuple[int, int], Around]
    ) -> Finding | None:
        r = self._compiled_specs[index]
        start, end = match.span()
        if r.value_groups:
            for group in r.value_groups:
                if match.start(group) >= 0:
                    start, end = match.span(group)
                    break
        if r.prefix is not None:
            lo = start - r.prefix_window
            found = r.prefix.search(text, lo if lo > 0 else 0, start)
            if found is None:
                return None
            if r.prefix_in_entity:
                start = found.start()
        if start == end:
            return None
        context = r.context
        around = None  # the words around the span, read only when a rule needs them
        if r.ceiling is not None or r.context_required:
            top = r.ceiling(text[start:end]) if r.ceiling is not None else None
            if top is not None and top < 0:
                return None  # the verdict would reject it
            if r.context_required:
                around = around_span(arounds, text, start, end)
                if not context.present(around):  # type: ignore[union-attr]
                    return None
            if top is not None:
                if context is None:
                    best: float | None = top
                else:
                    around = around or around_span(arounds, text, start, end)
                    best = context.apply(around, top, sure=r.sure)
                if best is None or best < self._min_score:
                    return None  # no verdict could lift it over the threshold: skip it
        score = r.score
        if r.verdict is not None:
            verdict = r.verdict(text[start:end])
            if verdict is None:
                return None
            score = verdict.score
            if verdict.length != end - start:
                end = start + verdict.length
                around = None
        if context is not None:
            adjusted = (
                context.apply(around, score, sure=r.sure)
                if around is not None
                else context.apply_at(text, start, end, score, sure=r.sure)
            )
            if adjusted is None:
                return None
            score = adjusted
        if score < self._min_score:
            return None
        return new_finding(r.entity_type, start, end, score, r.name)

    def _fallback(
        self,
        text: str,
        start: int,
        failed: int,
        later: Later,
        arounds: dict[tuple[int, int], Around],
        end: int,
    ) -> Finding | None:
        """The first-listed recognizer matched at `start` but was rejected: give the later
        ones their chance at the same position (a 16-digit run that fails Luhn may still
        be a phone number)."""
        for index in later.after(failed, text[start], self._triggers):
            match = self._singles[index].match(text, start, end)
            if match is not None:
                finding = self._judge(text, match, index, arounds)
                if finding is not None:
                    return finding
        return None

    def _later_in(self, active: tuple[int, ...]) -> Later:
        table = self._fallbacks.get(active)
        if table is None:
            table = Later(active)
            if len(self._fallbacks) < MAX_PLANS:
                self._fallbacks[active] = table
        return table
