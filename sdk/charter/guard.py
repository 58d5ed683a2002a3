"""The `Charter` facade and the `@guard` decorator: what application developers touch.

    charter.configure(policies="policies", app="support-bot")

    @charter.guard(model="gpt-4o", provider="openai")
    def answer(prompt: str) -> str: ...

    @charter.guard.tool
    def issue_refund(order_id: str, amount: float) -> str: ...

`@guard` works on sync and async functions and on sync and async generators (streaming).
Each call runs the pipeline in `charter.pipeline`; heavy parts (Presidio, the store, the
OTel SDK) load on first use, never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from charter._anchored_store import anchored
from charter._method_args import (
    require_entities,
    require_scope,
    require_text,
    scored_in_line,
    stage_of,
)
from charter._stream_window import checked_stream_window
from charter.config import Settings
from charter.context import CallContext, current
from charter.decision import Decision, Stage
from charter.decorator import GuardDecorator
from charter.errors import ConfigurationError, NotAuthorized
from charter.grounding import LexicalSupport, SupportScorer
from charter.pipeline import call_spec, check
from charter.policy.base import PolicyEngine
from charter.privacy import Privacy
from charter.pseudonyms import Pseudonyms, queue_pseudonyms, settings_pseudonyms
from charter.refused_turns import RefusedTurns
from charter.resume_targets import forget_held_through, target_for
from charter.values import RedactOperator


class Charter:
    """One configured SDK instance: policies, PII, approvals, audit and telemetry.

    It builds those parts (each on first use) and nothing else: every guarded call runs the
    flow in `charter.pipeline` over them (`Charter` satisfies `charter.pipeline.Parts`)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine: PolicyEngine | None = None,
        signals: Any | None = None,
        queue: Any | None = None,
        audit: Any | None = None,
        telemetry: Any | None = None,
        vault: Any | None = None,
        stream_window: int = 96,
        grounding: SupportScorer | None = None,
        **overrides: Any,
    ) -> None:
        self.stream_window = stream_window  # checked first: before the key file is made
        # `audit=False`, `telemetry=True`, `engine="http://..."` are settings; objects are the
        # components to use.
        if isinstance(audit, bool):
            overrides["audit"], audit = audit, None
        if isinstance(telemetry, bool):
            overrides["telemetry"], telemetry = telemetry, None
        if isinstance(engine, str):  # "embedded" or an OPA URL: the setting, not an engine
            overrides["engine"], engine = engine, None
        # Explicit arguments > CHARTER_* environment > charter.toml > defaults.
        # A relative SQLite store: one file, wherever the app's working directory goes later.
        self.settings = anchored(
            Settings.load(**overrides) if settings is None else settings.with_overrides(**overrides)
        )
        self._engine = engine
        self._signals = scored_in_line(signals)
        self._queue = queue
        self._audit = audit
        self._telemetry = telemetry
        self._given_telemetry = telemetry  # the caller's: kept, never rebuilt, after close()
        self._fallback_detector: Any = None
        self._lock = threading.RLock()  # components build on each other (queue -> engine)
        self.privacy = Privacy(
            self.settings.pii_mode,
            tenant=self.settings.tenant,
            vault=vault,
            vault_key=self.settings.vault_key,
            regions=self.settings.pii_regions,
            phone_regions=self.settings.pii_phone_regions or None,
        )
        self.pseudonyms: Pseudonyms = settings_pseudonyms(self.settings)
        """The store's pseudonym key, found once (a relative store path moved with the
        working directory) and checked now: one that can be neither read nor made fails
        here, not each call (`Pseudonyms.check_usable`)."""
        self.pseudonyms.check_usable()
        self.grounding: SupportScorer = grounding or LexicalSupport()
        """Scores a RAG answer against its retrieved passages (`input.grounding`)."""
        self.refused_turns = RefusedTurns()
        """User turns refused at the input stage, withheld when a chat sends them again."""
        self.guard = GuardDecorator(lambda: self)

    @property
    def stream_window(self) -> int:
        """How many characters a stream holds back until they passed a check (at least
        `MIN_STREAM_WINDOW`, checked wherever it is set)."""
        return self._stream_window

    @stream_window.setter
    def stream_window(self, value: int) -> None:
        self._stream_window = checked_stream_window(value)

    @classmethod
    def from_env(cls, **overrides: Any) -> Charter:
        """Settings from the environment and charter.toml (the same as `Charter()`)."""
        return cls(None, **overrides)

    # --- components, created on first use ------------------------------------------------

    def _component(self, attr: str, build: Callable[[], Any]) -> Any:
        """Build a component once, on first use, even when threads race for it."""
        value = getattr(self, attr)
        if value is None:
            with self._lock:
                value = getattr(self, attr)
                if value is None:
                    value = build()
                    setattr(self, attr, value)
        return value

    @property
    def engine(self) -> PolicyEngine:
        def build() -> PolicyEngine:
            from charter.policy import engine_from_settings

            return engine_from_settings(self.settings)

        engine: PolicyEngine = self._component("_engine", build)
        return engine

    @property
    def signals(self) -> Any:
        def build() -> Any:
            from charter.signals import default_signals

            return default_signals(self.settings.policies_source)

        return self._component("_signals", build)

    @property
    def queue(self) -> Any:
        def build() -> Any:
            from charter.approvals import queue_from_settings

            s = self.settings  # this app's requests only: apps on one store trust others
            scope = (s.tenant, s.app)
            return queue_from_settings(s, self.engine, scope=scope, pseudonyms=self.pseudonyms)

        return self._component("_queue", build)

    @property
    def audit(self) -> Any:
        if not self.settings.audit and self._audit is None:
            return None

        def build() -> Any:
            from charter.audit import AuditLog
            from charter.audit.writer import AUTO

            where = self.settings.audit_checkpoint_file
            return AuditLog(
                self.settings.store_url,
                mode=self.settings.audit_mode,
                writer=self.settings.audit_writer,
                full_wait_s=self.settings.audit_full_wait_s,
                checkpoint_file=None if where == "off" else where or AUTO,
                store_content=self.settings.store_content,
                # checkpoint spans go where this Charter's spans go, under its service name
                tracer_provider=getattr(self.telemetry, "tracer_provider", None),
                pseudonyms=self.pseudonyms,
            )

        return self._component("_audit", build)

    @property
    def telemetry(self) -> Any:
        if not self.settings.telemetry and self._telemetry is None:
            return None

        def build() -> Any:
            from charter.telemetry import Telemetry, from_configuration

            s = self.settings
            # OTEL_EXPORTER_OTLP_ENDPOINT etc.: no setup() call needed. None: the app's own
            # (global) providers; else this Charter's, never the process-wide ones.
            own = from_configuration(s)
            return Telemetry(
                app=s.app,
                tenant=s.tenant,
                environment=s.environment,
                record_content=s.record_content,
                tracer_provider=own.tracer if own else None,
                meter_provider=own.meter if own else None,
                on_close=own.release if own else None,
            )

        return self._component("_telemetry", build)

    # --- public operations -----------------------------------------------------------------

    def check(
        self,
        text: str,
        *,
        stage: Stage | str = Stage.INPUT,
        model: str = "",
        provider: str = "",
        tool: str | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> Decision:
        """Run PII detection, signals and the policy on `text` without calling anything."""
        text = require_text("check", text)
        spec = call_spec(
            "Charter.check",
            "tool" if tool else "llm",
            "charter:check",
            model=model,
            provider=provider,
            tool_name=tool or None,
            on_deny="raise",  # a deny made unchecked raises, as documented, even under "refuse"
        )
        if arguments is not None and not isinstance(arguments, Mapping):
            raise ConfigurationError(
                "Charter.check(arguments=...) takes the tool's arguments by name (a mapping), "
                f"got {type(arguments).__name__}"
            )
        return check(self, spec, stage_of("Charter.check", stage), text, arguments)

    def redact(
        self, text: str, *, entities: list[str] | None = None, scope: str | None = None
    ) -> Any:
        """Replace PII in `text` with stable placeholders; `.restore()` puts them back.
        `scope` names a conversation whose placeholders stay stable; None: this call only.
        The scope is the current user's (`charter.context(user=...)`), as in guarded calls."""
        from charter.pii import redact

        text = require_text("redact", text)
        require_scope(scope)
        detector = self.privacy.detector or self._component("_fallback_detector", _pattern)
        if entities is not None:
            require_entities(entities, detector.supported_entities)
        findings = detector.detect(text, entities=entities)
        operators = {f.entity_type: RedactOperator.PLACEHOLDER for f in findings}
        return redact(
            text,
            findings,
            operators,
            vault=self.privacy.vault,
            scope=self.privacy.scope(scope, subject=current().user),
        )

    def resume(self, ticket: str, *, timeout_s: float | None = None) -> Any:
        """Complete a call that was held for approval (also after a restart)."""
        from charter.approvals import ApprovalState
        from charter.approvals.notify import wait_seconds

        if timeout_s is not None:  # checked before the store is read: NaN waited an hour
            timeout_s = wait_seconds(timeout_s, "Charter.resume")
        # As it stands now (an overdue request is expired, not pending), and made here.
        request = _made_here(ticket, self.queue.current(ticket), self.settings)
        if request.state is ApprovalState.PENDING and timeout_s:
            request = self.queue.wait(ticket, timeout_s)
        return self._resumable(ticket, request).resume(self, request)

    async def aresume(self, ticket: str, *, timeout_s: float | None = None) -> Any:
        """`resume` from inside an event loop: a coroutine function is awaited here and its
        answer checked (`resume` cannot run it to the end in a running loop). The store's
        read and, for a sync function, the whole resume run on a step thread, never the
        loop (`off_loop.call`; another connection's write lock froze the loop 3 s)."""
        from charter.approvals import ApprovalState
        from charter.approvals.notify import wait_seconds
        from charter.pipeline import off_loop

        if timeout_s is not None:
            timeout_s = wait_seconds(timeout_s, "Charter.aresume")
        threads = self.settings.step_threads
        stored = await off_loop.call(lambda: self.queue.current(ticket), threads=threads)
        request = _made_here(ticket, stored, self.settings)
        if request.state is ApprovalState.PENDING and timeout_s:
            request = await self.queue.wait_async(ticket, timeout_s)
        target = self._resumable(ticket, request)
        if target.kind == "coroutine":
            return await target.aresume(self, request)
        return await off_loop.call(target.resume, self, request, threads=threads)

    def _resumable(self, ticket: str, request: Any) -> Any:
        """The guarded object that held `ticket` (in this process), else the one of its name;
        found before the approval is used, so a refusal leaves it for a later resume."""
        _owned(ticket, request, queue_pseudonyms(self.queue, self.pseudonyms))
        return target_for(ticket, request.action.get("function", ""))

    def reload(self) -> None:
        """Swap in the current policy bundle atomically; a broken one keeps the old set."""
        self.engine.reload()

    def close(self) -> None:
        """Close what this Charter opened (its store connections, telemetry exporters) and
        let go of the calls it held, so that nothing keeps it alive."""
        forget_held_through(self.guard.resolve)
        if self._audit is not None:
            self._audit.close()  # its last checkpoint span goes out through the telemetry
        if self._engine is not None:
            self._engine.close()
        if self._queue is not None:
            self._queue.close()
        # Built here: hand its providers back (shut down once its calls end) and build it
        # anew on next use, as the store, log and queue carry on after close (found by
        # probing: a call after close() was guarded and logged, its span dropped silently).
        with self._lock:
            telemetry, self._telemetry = self._telemetry, self._given_telemetry
        if telemetry is not None and hasattr(telemetry, "close"):
            telemetry.close()


def _owned(ticket: str, request: Any, keyed: Pseudonyms) -> None:
    """A ticket held for a user resumes only for that user, or for a worker that acts for
    nobody (no `charter.context(user=...)`): another signed-in user holding the ticket
    (a leaked link, a shared log) gets `NotAuthorized`, and nothing runs."""
    from charter.approvals._identity import requested_by

    user, nobody = current().user, CallContext.user
    if nobody not in (user, request.requester) and not requested_by(user, request.requester, keyed):
        raise NotAuthorized(
            f"request {ticket} was held for another user; it can be resumed by that user, "
            "or by a worker outside any user's context"
        )


def _made_here(ticket: str, request: Any, settings: Settings) -> Any:
    """A ticket resumes only in the tenant and app that held it: apps may share a store,
    and a user id in another tenant names someone else (found by probing: a Charter of
    another tenant and app resumed and used an approval made in `acme`)."""
    if (request.tenant, request.app) != (settings.tenant, settings.app):
        raise NotAuthorized(
            f"request {ticket} was held by another tenant or app; it can be resumed only by "
            "the app that held it"
        )
    return request


def _pattern() -> Any:
    from charter.pii import make_detector

    return make_detector("pattern")


# --- the process-wide default instance --------------------------------------------------------

_DEFAULT: Charter | None = None
_DEFAULT_LOCK = threading.Lock()


def configure(settings: Settings | None = None, **kwargs: Any) -> Charter:
    """Set up the default `Charter` that `@charter.guard` uses. Returns it."""
    global _DEFAULT
    instance = Charter(settings, **kwargs)
    with _DEFAULT_LOCK:
        old, _DEFAULT = _DEFAULT, instance
    if old is not None:
        old.close()
    return instance


def get_charter() -> Charter:
    """The default instance (from charter.toml and `CHARTER_*` variables on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Charter.from_env()
    return _DEFAULT


def resume(ticket: str, *, timeout_s: float | None = None) -> Any:
    return get_charter().resume(ticket, timeout_s=timeout_s)


async def aresume(ticket: str, *, timeout_s: float | None = None) -> Any:
    return await get_charter().aresume(ticket, timeout_s=timeout_s)


guard = GuardDecorator(get_charter)
