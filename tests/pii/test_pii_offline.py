"""Nothing downloads at run time, and importing `charter.pii` stays light.

Both run in a fresh interpreter: a model already loaded by another test would hide an
attempt made while loading, and a module imported by another test would hide a heavy
import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

NETWORK_PROBE = textwrap.dedent(
    """
    import json, sys

    attempts = []
    NETWORK = {
        "socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
        "socket.gethostbyname_ex", "socket.sendto", "socket.sendmsg",
        "http.client.connect", "urllib.Request",
    }

    def block(event, args):
        if event in NETWORK:
            attempts.append(event)
            raise PermissionError(f"network blocked by the test: {event}")

    sys.addaudithook(block)

    from charter.pii import PresidioDetector, Redactor, Scope, make_detector, redact_json

    text = (
        "Hi, I'm Jane Doe from Boston, jane.doe@example.com, https://shop.example.com/x "
        "or www.example.org. Merhaba, ben Ayşe Yılmaz, ayse@firma.com.tr, TC 10000000146, "
        "0532 123 45 67, IBAN TR33 0006 1005 1978 6457 8413 26."
    )
    found = set()
    for detector in (PresidioDetector(), make_detector("pattern")):
        redactor = Redactor(detector)
        red = redactor.redact(text, scope=Scope.conversation("c1"))
        assert red.restore(red.text) == text
        found |= {f.entity_type for f in red.findings}
        _, hits = redactor.redact_json({"args": [text]})
        found |= {f.entity_type for f in hits}
    print(json.dumps({"attempts": attempts, "found": sorted(found)}))
    """
)


def _run(code: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_no_network_access_while_loading_and_redacting() -> None:
    result = _run(NETWORK_PROBE)
    assert result["attempts"] == []
    assert result["found"] == [
        "EMAIL_ADDRESS", "IBAN_CODE", "LOCATION", "PERSON", "PHONE_NUMBER", "TR_NATIONAL_ID",
        "URL",
    ]  # fmt: skip


IMPORT_PROBE = textwrap.dedent(
    """
    import json, sys
    import charter
    before = set(sys.modules)
    import charter.pii
    from charter.pii import PatternDetector, make_detector
    PatternDetector()
    spacy_mode = make_detector("spacy")
    heavy = ["presidio_analyzer", "presidio_anonymizer", "spacy", "thinc", "torch",
             "tldextract", "requests", "cryptography"]
    added = set(sys.modules) - before
    print(json.dumps({"loaded": [m for m in heavy if m in added],
                      "model_loaded": spacy_mode.loaded}))
    """
)


def test_importing_and_building_detectors_does_not_load_heavy_libraries() -> None:
    result = _run(IMPORT_PROBE)
    assert result == {"loaded": [], "model_loaded": False}
