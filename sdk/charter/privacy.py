"""The guard's view of PII: detect once per stage, summarise for the policy, redact as the
policy says, and restore placeholders in the answer for the types the policy allows.

Detection is the expensive step, so each stage detects once and keeps the findings
(`Inspected` for texts, `InspectedJson` for tool arguments and results): the policy's
placeholder view, the redacted call, the approval record and the decision log are all
rendered from those findings, never by detecting again.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from charter._prose import json_words, prose
from charter.values import JsonKey, PIISummary, RedactOperator, free_key, integral_digits

if TYPE_CHECKING:
    from charter.pii.url_spans import UrlScan
    from charter.pii.vault_mapping import Restoration

_ALL_PLACEHOLDERS = {"*": RedactOperator.PLACEHOLDER}


@dataclass
class Inspected:
    """PII found in a list of texts, and the policy's view of them (placeholders only)."""

    texts: list[str]
    findings: list[list[Any]]
    summaries: tuple[PIISummary, ...]
    policy_texts: list[str]
    scope: Any
    """A `charter.pii.Scope`: where placeholders are stable (request or conversation)."""

    @property
    def policy_text(self) -> str:
        return "\n".join(self.policy_texts)

    @property
    def signal_text(self) -> str:
        """What the signals score when the stage is read as one text (`charter._prose`)."""
        return "\n".join(map(prose, self.policy_texts))


_Path = tuple[str | int | JsonKey, ...]


@dataclass(frozen=True)
class _Leaf:
    path: _Path
    text: str
    numeric: bool
    findings: tuple[Any, ...]


@dataclass
class InspectedJson:
    """PII found in the strings (and integers) of a JSON value, detected once per leaf."""

    value: Any
    leaves: tuple[_Leaf, ...]
    summaries: tuple[PIISummary, ...]
    scope: Any
    policy_value: Any = None
    """The value with a placeholder for every finding: what the policy and records see."""
    _privacy: Privacy | None = field(default=None, repr=False)

    @property
    def policy_text(self) -> str:
        return json_text(self.policy_value)

    @property
    def signal_text(self) -> str:
        """What the signals score: the value's words, as JSON text's (`charter._prose`)."""
        return json_words(self.policy_value)

    def render(
        self,
        operators: Mapping[str, RedactOperator],
        *,
        default: RedactOperator | None = None,
    ) -> Any:
        """The value with each finding's operator applied; types without one get `default`
        (None: left as they are)."""
        if self._privacy is None or not self.leaves:
            return self.value
        return self._privacy.render_json(self, operators, default)


class Privacy:
    """PII detection + redaction for one `Charter` instance. `mode="off"` detects nothing."""

    def __init__(
        self,
        mode: str,
        *,
        tenant: str = "default",
        vault: Any | None = None,
        vault_key: str = "",
        regions: Sequence[str] | None = None,
        phone_regions: Sequence[str] | None = None,
    ) -> None:
        self.mode = mode
        self._regions = regions
        self._phone_regions = phone_regions
        self.tenant = tenant
        self._detector: Any | None = None
        self._vault = vault
        self._vault_key = vault_key

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def detector(self) -> Any:
        if self._detector is None and self.mode != "off":
            from charter.pii import make_detector

            options: dict[str, Any] = {"phone_regions": self._phone_regions}
            if self._regions is not None:
                options["regions"] = self._regions
            self._detector = make_detector(self.mode, **options)  # type: ignore[arg-type]
        return self._detector

    @property
    def vault(self) -> Any:
        if self._vault is None:
            from charter.pii import Vault

            self._vault = Vault(self._vault_key or None)
        return self._vault

    def scope(self, conversation: str | None, subject: str | None = None) -> Any:
        """The caller's scope: per tenant, per calling user (`subject`, who is also the
        principal that may restore) and per conversation (or this request only)."""
        from charter.pii import Scope

        if conversation:
            return Scope.conversation(
                conversation, tenant=self.tenant, subject=subject, principal=subject
            )
        return Scope.request(tenant=self.tenant, subject=subject, principal=subject)

    # --- texts ---------------------------------------------------------------------------

    def inspect(
        self, texts: Sequence[str], *, scope: Any | None, fresh: list[str] | None = None
    ) -> Inspected:
        """Findings and the policy's view; `fresh` gets the placeholders issued new."""
        if self.mode == "off":
            return Inspected(list(texts), [[] for _ in texts], (), list(texts), scope)
        from charter.pii import redact, summarize
        from charter.pii.placeholders import present

        scope = scope if scope is not None else self.scope(None)
        findings = [self.detector.detect(t) for t in texts]
        flat = [f for fs in findings for f in fs]
        # Placeholders another scope issued, anywhere in the prompt, are never issued here.
        reserved = present(texts, {f.entity_type for f in flat})
        policy_texts = []
        for text, fs in zip(texts, findings, strict=True):
            if not fs:
                policy_texts.append(text)
                continue
            ops = {f.entity_type: RedactOperator.PLACEHOLDER for f in fs}
            redaction = redact(
                text, fs, ops, vault=self.vault, scope=scope, reserved=reserved, fresh=fresh
            )
            policy_texts.append(redaction.text)
        return Inspected(list(texts), findings, tuple(summarize(flat)), policy_texts, scope)

    def apply(self, inspected: Inspected, operators: Mapping[str, RedactOperator]) -> list[str]:
        """The texts as they may leave: each entity type the policy names gets its operator;
        types it does not name pass unchanged."""
        if not operators or not any(inspected.findings):
            return list(inspected.texts)
        from charter.pii import redact

        out = []
        for text, fs in zip(inspected.texts, inspected.findings, strict=True):
            chosen = [f for f in fs if f.entity_type in operators]
            if not chosen:
                out.append(text)
                continue
            redaction = redact(
                text, chosen, dict(operators), vault=self.vault, scope=inspected.scope, default=None
            )
            out.append(redaction.text)
        return out

    def restore(
        self, text: str, inspected: Inspected, allowed: Collection[str], urls: UrlScan | None = None
    ) -> Restoration:
        """Put back the values of placeholders whose entity type the policy allows, but not
        into a URL (`charter.pii.url_spans`); also what was refused (entity type -> count):
        placeholders another principal of the same conversation holds, and those left in a
        URL. `urls`: the scan of the text this one goes on from (a stream's earlier slices),
        so a URL begun there is still one here."""
        from charter.pii.placeholders import find_placeholders
        from charter.pii.url_spans import UrlScan
        from charter.pii.vault_mapping import Restoration

        spans = (urls if urls is not None else UrlScan()).spans(text)  # each slice, in order
        # Any spelling restoring reads, not just `<`: probing found `[EMAIL_ADDRESS_1]`
        # restored only when the answer held an unrelated `<` elsewhere.
        if not allowed or inspected.scope is None or next(find_placeholders(text), None) is None:
            return Restoration(text, {})
        vault = self.vault
        result: Restoration = vault.restore_checked(
            text, inspected.scope, entities=set(allowed), urls=spans
        )
        return result

    # --- JSON values ---------------------------------------------------------------------

    def redact_json(self, value: Any, operators: Mapping[str, RedactOperator], scope: Any) -> Any:
        """Detect and redact in one go, for values no stage has inspected yet."""
        if self.detector is None:
            return value
        from charter.pii import redact_json

        redacted, _ = redact_json(
            value, self.detector, dict(operators), vault=self.vault, scope=scope, default=None
        )
        return redacted

    def inspect_json(
        self, value: Any, *, scope: Any | None, fresh: list[str] | None = None
    ) -> InspectedJson:
        """Detect once in every string/integral-number leaf of `value` and in every string dict key
        (keys usually name fields, but can be data); the placeholder view is rendered from
        those findings (`fresh` gets the placeholders issued new)."""
        if self.mode == "off":
            return InspectedJson(value, (), (), scope, value, self)
        from charter.pii import summarize
        from charter.pii.findings import detect_field
        from charter.pii.placeholders import present
        from charter.pii.redaction import json_strings

        scope = scope if scope is not None else self.scope(None)
        leaves: list[_Leaf] = []
        detector = self.detector
        detect = detector.detect

        def walk(node: Any, path: _Path, field: object = None) -> None:
            if isinstance(node, str):
                hits = detect_field(detector, field, node)
                if hits:
                    leaves.append(_Leaf(path, node, False, tuple(hits)))
            elif (text := integral_digits(node)) is not None:
                hits = detect_field(detector, field, text)
                if hits:
                    leaves.append(_Leaf(path, text, True, tuple(hits)))
            elif isinstance(node, Mapping):
                for key, item in node.items():
                    if isinstance(key, str) and (hits := detect(key)):
                        leaves.append(_Leaf((*path, JsonKey(key)), key, False, tuple(hits)))
                    walk(item, (*path, key), key)
            elif isinstance(node, list | tuple):  # each item under its field's name
                for index, item in enumerate(node):
                    walk(item, (*path, index), field)

        walk(value, ())
        summaries = tuple(summarize(f for leaf in leaves for f in leaf.findings))
        inspected = InspectedJson(value, tuple(leaves), summaries, scope, None, self)
        reserved = present(json_strings(value)) if leaves else set()
        inspected.policy_value = self.render_json(
            inspected, _ALL_PLACEHOLDERS, None, reserved, fresh
        )
        return inspected

    def render_json(
        self,
        inspected: InspectedJson,
        operators: Mapping[str, RedactOperator],
        default: RedactOperator | None,
        reserved: Collection[str] | None = None,
        fresh: list[str] | None = None,
    ) -> Any:
        """`reserved`: placeholders of other scopes anywhere in the value (`inspect_json`
        passes them; once reserved, the scope never issues them); None: each leaf is
        searched for its own. `fresh` gets the placeholders issued new."""
        if not inspected.leaves:
            return inspected.value
        from charter.pii import redact

        replaced: dict[_Path, str] = {}
        for leaf in inspected.leaves:
            result = redact(
                leaf.text,
                leaf.findings,
                dict(operators),
                vault=self.vault,
                scope=inspected.scope,
                default=default,
                numeric=leaf.numeric,
                reserved=reserved,
                fresh=fresh,
            )
            if result.changed:
                replaced[leaf.path] = result.text
        return _replace_at(inspected.value, replaced, ()) if replaced else inspected.value


def json_text(value: Any) -> str:
    """The text the policy reads for a JSON value (tool arguments, tool results)."""
    return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)


def _replace_at(node: Any, replaced: Mapping[_Path, str], path: Any) -> Any:
    if path in replaced:
        return replaced[path]
    if isinstance(node, Mapping):
        out: dict[Any, Any] = {}
        for k, v in node.items():
            renamed = replaced.get((*path, JsonKey(k))) if isinstance(k, str) else None
            key = k if renamed is None else free_key(renamed, {*node, *out})
            out[key] = _replace_at(v, replaced, (*path, k))
        return out
    if isinstance(node, list | tuple):
        return [_replace_at(v, replaced, (*path, i)) for i, v in enumerate(node)]
    return node
