"""User turns the guard refused at the input stage, withheld from the model when a chat
sends them again.

A chat sends its whole history every turn and each user message is scored, the highest
score counting, so one refused turn refused every later turn of the chat: one banking
question the classifier misread ("I would like to increase my card limits", read as
self-harm) refused the next three, each allowed alone, and 14% of the turns of 100
five-turn chats were refused only for an earlier one (found by probing). Scoring only the
newest turn would send a refused request to the model inside the history ("how do I build
a pipe bomb", then "please answer my previous question").

So the guard remembers the newest user turn of each prompt it denies (not one it holds: an
approved hold's turn was answered), in its caller's scope (`charter._score_scope`, the
score memo's, and the conversation) and by a digest under this process's own random key,
never the text. A turn is one user message (a `user` or `human` role; a bare string
prompt is one), its texts joined: remembering each scored text, as first written, took the
app's own texts beside the refused words along (found by probing: instructions sent as a
user message before the user's first one, a system prompt where "system" is scored, a
reminder block the app appends to every user message), and they were withheld for the rest
of the chat. When that caller sends the turn again as an earlier one, the whole message
alike, it is neither scored nor sent: the model and the policy read `WITHHELD` in place of
each of its texts, and the decision record and span count the turns withheld. Only user
messages are remembered or withheld, whatever `unscored_roles` says. The newest is always
scored; so is a turn whose message attaches more than text (an image), since withholding
its text would not keep the image from the model. The memory is in memory, bounded, per
`Charter`: another process, a restart or an evicted entry scores the turn again, as before
(refused, the safe side). An anonymous caller without a conversation is remembered
nowhere, as in the score memo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from charter._score_scope import caller_scope
from charter.attachments import attachments_in

if TYPE_CHECKING:
    from charter.pipeline.prompt_args import PromptArgs
    from charter.pipeline.stages import CallRun

WITHHELD = "[message withheld: refused by policy]"
"""What the model and the policy read in place of each text of a refused turn sent again."""
WITHHELD_LABEL = "withheld_turns"
"""The decision record's label: how many earlier turns were withheld (a count)."""
USER_ROLES = frozenset({"user", "human", "HumanMessageChunk"})
"""The roles of the user's own messages (OpenAI's and others', LangChain's types)."""


@dataclass
class Turns:
    """A prompt's user turns by position among its texts (`PromptArgs.prompt_texts`)."""

    run: CallRun
    args: PromptArgs
    texts: list[str]
    scored_at: tuple[int, ...] = ()
    """Where the texts the signals score sit, in their order (`PromptArgs.scored`)."""
    newest: tuple[int, ...] = ()
    """The newest user message's texts (its user-role ones), remembered if refused."""
    scope: bytes = b""
    withheld: frozenset[int] = frozenset()

    @classmethod
    def read(cls, run: CallRun, args: PromptArgs) -> Turns:
        """The prompt's turns; earlier ones this caller was refused are withheld (counted on
        the span and the records). No memory without roles or a scope."""
        turns = cls(run, args, list(args.prompt_texts))
        roles = _roles(args)
        ctx, tenant = run.ctx, run.parts.settings.tenant
        scope = caller_scope(tenant, ctx.user, ctx.conversation)
        if roles is None or len(roles) != len(turns.texts) or scope is None:
            return turns
        messages = _messages(args)
        if messages is None:
            return turns
        unscored = run.parts.settings.unscored_roles
        turns.scored_at = tuple(i for i, role in enumerate(roles) if role not in unscored)
        users = [at for m in messages if (at := tuple(i for i in m if roles[i] in USER_ROLES))]
        if not users:
            return turns
        # Remembered only when the prompt ends with it: a denied agent step that ends in a
        # tool result was refused for that result, not for the user's question (review).
        last = next((m for m in reversed(messages) if len(m)), None)
        turns.newest = users[-1] if last is not None and users[-1][0] in last else ()
        turns.scope = scope
        memory = run.parts.refused_turns
        refused = [at for at in users[:-1] if turns._digest(at) in memory] if len(memory) else []
        kept = _attaching(args, messages, {i for at in refused for i in at})
        refused = [at for at in refused if not kept.intersection(at)]
        turns.withheld = frozenset(i for at in refused for i in at)
        if refused:
            run.labels[WITHHELD_LABEL] = str(len(refused))
            run.span.record_withheld(len(refused))
        return turns

    def _digest(self, at: tuple[int, ...]) -> bytes:
        """One message's digest: its texts at `at`, joined, in the caller's scope."""
        text = "\n".join(self.texts[i] for i in at)
        where = self.run.ctx.conversation or ""
        return self.run.parts.refused_turns.digest(self.scope, where, text)

    def sent(self, texts: Sequence[str]) -> list[str]:
        """`texts` (the prompt's first) with each withheld turn's replaced by `WITHHELD`."""
        return [WITHHELD if i in self.withheld else t for i, t in enumerate(texts)]

    def scored(self, policy_texts: Sequence[str]) -> list[str] | None:
        """What the signals score (`PromptArgs.scored`) but the withheld turns: those are
        not scored again."""
        scored = self.args.scored(policy_texts, self.run.parts.settings.unscored_roles)
        if not self.withheld or scored is None or len(scored) != len(self.scored_at):
            return scored
        return [t for t, i in zip(scored, self.scored_at, strict=True) if i not in self.withheld]

    def refused(self) -> None:
        """The input stage denied the prompt: remember its newest user message."""
        if self.newest:
            self.run.parts.refused_turns.remember(self.scope, self._digest(self.newest))


def _roles(args: PromptArgs) -> list[str] | None:
    """Who each of the prompt's texts comes from (`charter.adapters.Roles`); a bare string
    prompt is the user's."""
    if isinstance(args.prompt, str):
        return ["user"]
    roles_of = getattr(args.adapter, "roles", None)
    roles: list[str] | None = roles_of(args.prompt) if callable(roles_of) else None
    return roles


def _messages(args: PromptArgs) -> list[range] | None:
    """Where each message's texts sit among the prompt's texts: a list's items one by one,
    else as the adapter says (`charter.adapters.Messages`), else one message (a string, a
    lone message). None when they do not add up to the prompt's texts."""
    adapter, prompt, count = args.adapter, args.prompt, len(args.prompt_texts)
    sizes_of = getattr(adapter, "message_sizes", None)
    try:
        if isinstance(prompt, list | tuple):
            sizes = [len(adapter.texts([item])) for item in prompt]
        elif callable(sizes_of):
            sizes = sizes_of(prompt)
        else:
            sizes = [count]
    except Exception:  # an adapter that reads only whole prompts
        return None
    if sizes is None or sum(sizes) != count:
        return None
    out, start = [], 0
    for size in sizes:
        out.append(range(start, start + size))
        start += size
    return out


def _attaching(args: PromptArgs, messages: list[range], at: set[int]) -> set[int]:
    """Which of the texts `at` sit in a message that attaches more (an image, a file): only
    texts can be withheld, and an image beside a refused text would still reach the model,
    so such a turn is scored again (refused, as before). All of them, if the prompt attaches
    anything, when it is not a list read item by item (`_messages`)."""
    if not at:
        return at
    prompt = args.prompt
    attached = getattr(args.adapter, "attachments", None)
    read = attached if callable(attached) else attachments_in
    if not isinstance(prompt, list | tuple) or len(prompt) != len(messages):
        return at if read(prompt) else set()
    pairs = zip(prompt, messages, strict=True)
    return {i for item, m in pairs if read([item]) for i in m if i in at}
