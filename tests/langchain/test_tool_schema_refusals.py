"""A tool whose argument schema checks a value's form, given the value redacted (found by
probing): guard_tool redacts an e-mail address in the arguments to `<EMAIL_ADDRESS_1>`,
and the wrapped tool's schema (`Field(pattern=...)`, `EmailStr`) refused that with a bare
pydantic `ValidationError` about a value the caller never passed. The error now says the
guard redacted the argument, and what decides it."""

from __future__ import annotations

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from charter.errors import ConfigurationError
from charter.guard import Charter
from charter.langchain import guard_tool

EMAIL = "jane.doe@example.com"


class TicketArgs(BaseModel):
    email: str = Field(pattern=r"^[^<>@\s]+@[^<>@\s]+$", description="the customer's e-mail")
    subject: str = "support"


def test_a_schema_that_refuses_the_redacted_argument_says_so(charter: Charter) -> None:
    ran: list[str] = []

    @tool(args_schema=TicketArgs)
    def create_support_ticket(email: str, subject: str = "support") -> str:
        """Open a ticket for a customer."""
        ran.append(email)
        return "ticket opened"

    with pytest.raises(ConfigurationError) as refused:  # main: pydantic's ValidationError
        guard_tool(create_support_ticket, charter=charter).invoke({"email": EMAIL})
    message = str(refused.value)
    assert "refused its argument(s) email as the guard redacted them" in message
    assert "String should match pattern" in message and "config.redact_operators" in message
    assert EMAIL not in message and ran == []
