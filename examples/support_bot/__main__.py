"""Chat with the guarded support bot: `python -m examples.support_bot`.

Type a message; `/refund ORDER AMOUNT`, `/close ACCOUNT` call the guarded tools; `/quit`.
Uses the offline model unless OPENAI_API_KEY is set and `langchain-openai` is installed.
"""

from __future__ import annotations

import sys

import charter
from charter.approvals import ReviewerDirectory
from charter.demo.bot import SupportBot
from examples.support_bot.real_model import real_model_from_env


def approvers(ch: charter.Charter, ticket: str) -> tuple[list[str], int]:
    """The reviewers the policy lets vote on the held call, and how many approvals it
    needs: a refund waits for `finance` (alice), an account closure for two of
    `support_lead` and `compliance` (carol, dave), which alice may not approve. A reviewers
    file may list fewer than that."""
    queue = ch.queue
    request = queue.get(ticket)
    file = ch.settings.reviewers_file
    directory = (
        ReviewerDirectory.from_file(file) if file else ReviewerDirectory.from_policy(ch.engine)
    )
    may = [r.id for r in directory if queue.refusal(request, r.id) is None]
    return may, request.min_approvals


def held(ch: charter.Charter, ticket: str) -> list[str]:
    """What to tell the user of a held call: always that it is held, then one approve
    command per approval it needs, and when the directory cannot supply them, that too."""
    may, needed = approvers(ch, ticket)
    lines = [f"[held for approval] {ticket} needs {needed} approval(s)"]
    lines += [f"  charter approvals approve {ticket} --as {who}" for who in may[:needed]]
    if len(may) < needed:
        lines.append(
            f"  only {len(may)} reviewer(s) in the directory may approve it, {needed} needed: "
            "add reviewers to the reviewers file (or data.charter.reviewers)"
        )
    return lines


def main() -> int:
    ch = charter.configure(app="support-bot", tenant="anka", environment="dev")
    bot = SupportBot(ch, real_model_from_env())
    print("Anka Bank support (Charter-guarded). /refund A-1002 900, /close ACC-1, /quit")
    for line in sys.stdin:
        text = line.strip()
        if text in ("/quit", "/exit"):
            break
        try:
            if text.startswith("/refund "):
                _, order, amount = text.split()
                print(bot.tools["issue_refund"](order, float(amount)))
            elif text.startswith("/close "):
                print(bot.tools["close_account"](text.split()[1], "customer request"))
            elif text:
                with charter.context(user="u-demo", conversation="c-demo"):
                    print(bot.ask(text))
        except charter.PolicyViolation as exc:
            print(f"[refused] {exc}")
        except charter.ApprovalPending as exc:
            print("\n".join(held(ch, exc.ticket)))
    ch.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
