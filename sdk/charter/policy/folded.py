"""The answer as a reader sees it (`input.folded_text`, output stage), for the rules that
look for a secret in it: the system prompt's canary, "my system prompt is".

The canary used to be matched as a raw substring. Probing found it passing written with
zero-width spaces, soft hyphens or word joiners between its characters, in full-width or
Cyrillic look-alike letters, spaced out, one character per line, reversed or in base64
(9 of 9 forms), and "My sys\u200btem prompt is:" too: each reads the same to a person. So
the text goes to the policy folded as well: invisible characters dropped, look-alike and
full-width letters as Latin (`charter.signals.normalize.fold_unicode`), lowercased, each
run of whitespace one space (the rules take them out to read a spaced-out token), and
after it, a line each, the payloads the signals decode from it (base64, hex, reversed or
enciphered text: `charter.signals.decode.payloads`), folded the same way.
"""

from __future__ import annotations


def folded_text(text: str) -> str:
    """`text` as a reader sees it, then each payload hidden in it (see the module)."""
    # Imported here: the signals package loads numpy, which `import charter` must not.
    from charter.signals.decode import payloads
    from charter.signals.normalize import fold_unicode

    parts = [text, *payloads(text)]
    folded = (part if part.isascii() else fold_unicode(part) for part in parts)
    return "\n".join(" ".join(part.lower().split()) for part in folded)
