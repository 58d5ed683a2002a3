"""The size of a stream's window (`Charter(stream_window=...)`), checked where it is set.

A stream holds back its last `stream_window` characters, so an entity no longer than that is
whole in a check before any of it leaves (`charter.streaming`). Found by probing: 0 or a
negative size was taken, the window then released every chunk as it came (a card number
went out unmasked) and the stream's end was never checked or recorded.
"""

from __future__ import annotations

from charter.errors import ConfigurationError

MIN_STREAM_WINDOW = 64
"""The longest value the built-in detectors read across gaps: an IBAN (up to 34
characters) printed in groups with up to three spaces or hyphens between them, `TR 33 0006
1005 ...`, is 64 characters (`charter.pii.recognizers._IBAN`); a card in groups is 25 at
most. A shorter window releases the start of one before it is whole, unmasked."""


def checked_stream_window(value: object) -> int:
    """`value` if it is a window size a stream can keep entities whole with, else
    `ConfigurationError` naming the minimum."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(
            f"stream_window must be a whole number of characters, not a {type(value).__name__}; "
            f"pass an int of at least {MIN_STREAM_WINDOW} (the default is 96)"
        )
    if value < MIN_STREAM_WINDOW:
        raise ConfigurationError(
            f"stream_window={value} is under the minimum of {MIN_STREAM_WINDOW} characters: "
            "a stream holds back that many so a card number or an IBAN printed in groups is "
            "whole before any of it is released; pass at least "
            f"{MIN_STREAM_WINDOW} (the default is 96)"
        )
    return value
