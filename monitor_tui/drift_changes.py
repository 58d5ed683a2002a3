"""Model and policy-revision changes: a segment whose calls stopped while another started.

Segments split by model and revision, so after a swap (gpt-4o -> gpt-4.1, rev-a -> rev-b)
the old segment has calls only in the baseline and the new one only in the current window:
each alone was "not enough data", so the change itself was never flagged and `drift report
--fail-on warn` passed. The rule works on shares of a group (the other dimensions: app,
environment, ...), not on each segment's own size: judged alone, a model that served 205
calls and then 195 read as "gone" beside one that went 195 -> 205, and a canary ramp as a
swap. A segment is *gone* when it held a real share of the group's baseline calls and has
next to none (`NEGLIGIBLE`) of its current calls, *new* the reverse; a group with both, the
gone segments holding `min_samples` baseline calls together and the new ones `min_samples`
current calls, has changed: a warning of its own, and the gone segments' baseline calls are
compared with the new segments' current calls as one segment, by the usual rules. Pooled, an
old model replaced by an A/B split of two new ones (150 calls each) is still a change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor_tui.drift_features import UNKNOWN
from monitor_tui.drift_verdicts import DriftConfig, DriftSeverity, FeatureDrift

Key = tuple[tuple[str, str], ...]

CHANGING = ("model", "revision")
"""Dimensions a deployment changes under the same app: the ones compared across."""

NEGLIGIBLE = 0.05
"""A share of a group's calls that counts as none: an old model's last in-flight calls."""


@dataclass(frozen=True)
class SegmentChange:
    key: Key
    """The group's dimensions, a changed one as "old -> new" (its label reads as such)."""
    changed: tuple[tuple[str, str, str], ...]
    """(dimension, before, after) for each dimension whose values differ."""
    gone: tuple[Key, ...]
    new: tuple[Key, ...]


def segment_changes(
    sizes: Mapping[Key, tuple[int, int]], config: DriftConfig
) -> list[SegmentChange]:
    """The changes among segments, from each one's (baseline, current) number of calls."""
    groups: dict[Key, list[tuple[Key, int, int]]] = defaultdict(list)
    for key, (n_base, n_cur) in sizes.items():
        group = tuple((dim, value) for dim, value in key if dim not in CHANGING)
        groups[group].append((key, n_base, n_cur))
    changes = []
    for _, members in sorted(groups.items()):
        base_total = sum(n_base for _, n_base, _ in members)
        cur_total = sum(n_cur for _, _, n_cur in members)
        gone = [
            (k, b)
            for k, b, c in members
            if _share(c, cur_total) < NEGLIGIBLE <= _share(b, base_total)
        ]
        new = [
            (k, c)
            for k, b, c in members
            if _share(b, base_total) < NEGLIGIBLE <= _share(c, cur_total)
        ]
        if not gone or not new:
            continue
        if min(sum(n for _, n in gone), sum(n for _, n in new)) < config.min_samples:
            continue  # too few calls to compare: "not enough data", as for any segment
        changes.append(_change(tuple(sorted(k for k, _ in gone)), tuple(sorted(k for k, _ in new))))
    return changes


def _share(n: int, total: int) -> float:
    return n / total if total else 0.0


def _change(gone: tuple[Key, ...], new: tuple[Key, ...]) -> SegmentChange:
    key: list[tuple[str, str]] = []
    changed = []
    for index, (dim, value) in enumerate(gone[0]):
        if dim not in CHANGING:
            key.append((dim, value))
            continue
        before, after = _values(gone, index), _values(new, index)
        if before != after:
            changed.append((dim, before, after))
            value = f"{before} -> {after}"
        key.append((dim, value))
    if not changed:  # the same values, paired anew (gpt-4o on rev-b, gpt-4.1 on rev-a)
        changed.append(("segment", _pairs(gone), _pairs(new)))
    return SegmentChange(key=tuple(key), changed=tuple(changed), gone=gone, new=new)


def _values(keys: Sequence[Key], index: int) -> str:
    return ", ".join(sorted({key[index][1] or UNKNOWN for key in keys}))


def _pairs(keys: Sequence[Key]) -> str:
    return ", ".join("/".join(v for d, v in key if d in CHANGING) for key in keys)


def change_verdicts(
    change: SegmentChange, n_before: int, n_after: int, config: DriftConfig
) -> list[FeatureDrift]:
    """A warning per changed dimension (`model_change`, `revision_change`;
    `segment_change` for a new pairing of the same values): a deployment
    is no fault in itself, but must be looked at; what it did shows in the other features."""
    return [
        FeatureDrift(
            feature=f"{dim}_change",
            kind="categorical",
            severity=DriftSeverity.WARN,
            n_baseline=n_before,
            n_current=n_after,
            labels=(before, after),
            baseline=(1.0, 0.0),
            current=(0.0, 1.0),
            reason=(
                f"{dim} changed {before} -> {after}: {n_before} baseline calls on the old, "
                f"{n_after} current calls on the new, compared as one segment"
            ),
        )
        for dim, before, after in change.changed
    ]
