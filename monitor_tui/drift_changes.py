"""Model and policy-revision changes: a segment whose calls stopped while another started.

Segments split by model and revision, so after a swap (gpt-4o -> gpt-4.1, rev-a -> rev-b)
the old segment has calls only in the baseline and the new one only in the current window:
each alone was "not enough data", so the change itself was never flagged and `drift report
--fail-on warn` passed. The rule: within one group of the other dimensions (app,
environment, ...), segments with `min_samples` calls in the baseline but fewer in the current
window *gone*, segments with `min_samples` current calls but fewer in the baseline *new*;
when a group has both, the change is a warning of its own, and the gone segments' baseline
calls are compared with the new segments' current calls as one segment, by the usual rules.
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
    enough = config.min_samples
    gone: dict[Key, list[Key]] = defaultdict(list)
    new: dict[Key, list[Key]] = defaultdict(list)
    for key, (n_base, n_cur) in sizes.items():
        group = tuple((dim, value) for dim, value in key if dim not in CHANGING)
        if n_base >= enough > n_cur:
            gone[group].append(key)
        elif n_cur >= enough > n_base:
            new[group].append(key)
    return [
        _change(tuple(sorted(gone[group])), tuple(sorted(new[group])))
        for group in sorted(gone.keys() & new.keys())
    ]


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
