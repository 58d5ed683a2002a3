"""`charter signals train`: retrain the safety classifier from the training sets in git
(`soup`: average several trained ones).

Same data, same bytes: the command prints the artifact's revision (its content hash), so a
reviewer can check that a committed model is what the committed data produces."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from charter.cli._common import fail

app = typer.Typer(help="The offline safety classifier: retrain, inspect.", no_args_is_help=True)

_DEFAULT_DATA = Path("policies/signals/train")
_DEFAULT_OUT = Path("policies/signals/model")
STAGE_ONE_MODULES = ("scipy",)
"""What stage 1's and the extra heads' L-BFGS fits need from the `train` extra."""
STAGE_TWO_MODULES = ("torch", "onnx", "safetensors", "all_minilm_l6_v2")
"""What fine-tuning, exporting and quantizing the contextual stage need from it."""


def _log(line: str) -> None:
    typer.echo(line, err=True)


def _training_files(data: Path) -> list[Path]:
    """The top-level `*.jsonl` files of `--data` (the extra heads' folders are read apart),
    or a clear error when there are none."""
    files = sorted(data.glob("*.jsonl")) if data.is_dir() else []
    if not files:
        raise fail(f"{data}: no training *.jsonl files; check --data")
    return files


def _need_train_extra(*modules: str) -> None:
    """Refuse at once when the `train` extra is missing: training imports it only once its
    stage begins, minutes in (scipy after the features, torch in the stage-2 child).
    `find_spec` finds a package without importing it (torch alone takes seconds)."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        stage_one = set(missing).isdisjoint(STAGE_ONE_MODULES)  # --no-context would run
        raise fail(
            f"training needs the train extra ({', '.join(missing)} not installed): "
            "pip install 'charter[train]'" + (" (or --no-context for stage 1 only)" * stage_one)
        )


def _writable_folder(out: Path) -> None:
    """Refuse an `--out` that is a file before any work: the artifact is a folder."""
    if out.exists() and not out.is_dir():
        raise fail(
            f"--out {out}: a file of that name exists; give a folder (created if missing; "
            "an artifact already in it is replaced)"
        )


def _calibration_texts(path: Path) -> list[str]:
    """The `text` of every row of a calibration JSONL file; a row that is not an object
    with a string `text` is refused by its line (its content is not echoed)."""
    import json

    how = 'a calibration file needs a `text` on every row, one per line as {"text": "..."}'
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise fail(f"{path}: cannot read it ({exc}); {how}") from None
    texts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise fail(f"{path}:{number}: not JSON ({exc.msg}); {how}") from None
        text = row.get("text") if isinstance(row, dict) else None
        if not isinstance(text, str):
            found = "no `text`" if text is None else f"a `text` of type {type(text).__name__}"
            raise fail(f"{path}:{number}: {found}; {how}")
        texts.append(text)
    return texts


@app.command()
def train(
    data: Annotated[
        Path, typer.Option("--data", help="Folder of training *.jsonl files.")
    ] = _DEFAULT_DATA,
    out: Annotated[Path, typer.Option("--out", help="Folder the artifact is written to.")] = (
        _DEFAULT_OUT
    ),
    max_iter: Annotated[int, typer.Option("--max-iter", min=1, help="L-BFGS iterations.")] = 300,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="Train on every k-th item, about N in all (quick)."),
    ] = None,
    context: Annotated[
        bool,
        typer.Option(
            "--context/--no-context",
            help="Also fine-tune the contextual stage (needs the `train` extra: PyTorch).",
        ),
    ] = True,
    epochs: Annotated[int, typer.Option("--epochs", min=1, help="Fine-tuning epochs.")] = 3,
    layers: Annotated[int, typer.Option("--layers", min=1, max=6, help="MiniLM layers kept.")] = 6,
    threads: Annotated[
        int, typer.Option("--threads", min=1, help="PyTorch threads while fine-tuning.")
    ] = 1,
    folds: Annotated[
        int, typer.Option("--folds", min=0, help="Family folds of stage 1's calibration.")
    ] = 4,
    calibrate: Annotated[
        int,
        typer.Option(
            "--calibrate",
            min=0,
            help="Family folds also fine-tuned out of fold to suggest thresholds (costly: each "
            "one about as long as the whole fine-tune).",
        ),
    ] = 0,
    passages: Annotated[
        bool,
        typer.Option(
            "--passages/--whole-texts",
            help="Record the passage rule: the model also scores long texts passage by "
            "passage (train it on passage-sized items too).",
        ),
    ] = False,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="Folder for the fine-tune's checkpoints: a stopped run given the same folder "
            "resumes where it stopped, to the same bytes (removed once the artifact is written).",
        ),
    ] = None,
) -> None:
    """Train both stages on every training item and write the artifact (deterministic)."""
    from charter.errors import CharterError
    from charter.signals.features import StaticEmbedder
    from charter.signals.passages import PassageRule
    from charter.signals.training import TrainConfig, load_items, train_artifact
    from charter.signals.training.extra_heads import fit_heads

    files = _training_files(data)
    _writable_folder(out)
    _need_train_extra(*STAGE_ONE_MODULES, *(STAGE_TWO_MODULES if context else ()))
    finetune = None
    if context:
        from charter.signals.training.finetune import FinetuneConfig

        finetune = FinetuneConfig(layers=layers, epochs=epochs, threads=threads)
    try:
        items = load_items(files)
        if limit is not None:
            items = items[:: max(1, len(items) // limit)]
        embedder = StaticEmbedder()  # one WordLlama for the cascade's stage 1 and the heads
        artifact = train_artifact(
            items,
            TrainConfig(max_iter=max_iter),
            finetune=finetune,
            folds=folds,
            stage_two_folds=calibrate if context else 0,
            embedder=embedder,
            passages=PassageRule() if passages else None,
            checkpoint=checkpoint,
            log=_log,
        )
        artifact = fit_heads(artifact, data, items, max_iter, _log, embedder)
        revision = artifact.save(out)
        for done in checkpoint.glob("finetune-*.pt") if checkpoint else ():
            done.unlink()
    except CharterError as exc:
        raise fail(str(exc)) from None
    record = artifact.meta["trained_on"]
    typer.echo(f"trained on {record['items']} items from {len(record['families'])} families")
    for label, count in record["per_label"].items():
        typer.echo(f"  {label:36} {count}")
    typer.echo(f"cascade: {artifact.meta['cascade']}")
    calibration = artifact.meta.get("calibration")
    if calibration:
        typer.echo(
            f"out-of-fold calibration ({calibration['stage_two_folds_run']} of "
            f"{calibration['folds']} family folds, training data only):"
        )
        for head, threshold in calibration["thresholds"].items():
            typer.echo(
                f"  {head:18} threshold {threshold:.2f}: recall "
                f"{calibration['recall_at_threshold'][head]:.1%}, benign flagged "
                f"{calibration['benign_rate_at_threshold'][head]:.1%}"
            )
        typer.echo(
            f"  all heads: attacks flagged {calibration['attacks_flagged']:.1%}, benign "
            f"flagged {calibration['benign_flagged']:.1%}, benign sent to stage 2 "
            f"{calibration['benign_sent_to_stage_2']:.1%}"
        )
    typer.echo(f"wrote {out} (revision {revision})")


@app.command("heads")
def heads(
    data: Annotated[
        Path, typer.Option("--data", help="Folder of training *.jsonl files.")
    ] = _DEFAULT_DATA,
    model: Annotated[
        Path, typer.Option("--model", help="Folder of the trained classifier to refit them in.")
    ] = _DEFAULT_OUT,
    max_iter: Annotated[int, typer.Option("--max-iter", min=1, help="L-BFGS iterations.")] = 300,
) -> None:
    """Refit only the extra heads (`charter.signals.training.extra_heads.HEADS`; seconds) in
    a trained classifier, in place: the heads `train` fits, the cascade's untouched
    (deterministic: the fit runs with BLAS on one thread, whatever the environment says)."""
    from charter.errors import CharterError
    from charter.signals.model import load_artifact
    from charter.signals.training import load_items
    from charter.signals.training.extra_heads import HEADS, fit_heads

    files = _training_files(data)
    _need_train_extra(*STAGE_ONE_MODULES)
    try:
        artifact, _ = load_artifact(model)
        updated = fit_heads(artifact, data, load_items(files), max_iter, _log)
        if not updated.extra_labels:
            wanted = ", ".join(f"`stage: {h.stage}` or {h.folder}/" for h in HEADS)
            raise fail(f"{data}: no items for any extra head; add training items ({wanted})")
        revision = updated.save(model)
    except CharterError as exc:
        raise fail(str(exc)) from None
    for name in updated.extra_labels:
        record = updated.meta[name]
        typer.echo(f"{name} head: {record['items']} items, {record['attacks']} positive")
    typer.echo(f"wrote {model} (revision {revision})")


@app.command()
def sources(
    data: Annotated[
        Path, typer.Option("--data", help="Folder of training *.jsonl files.")
    ] = _DEFAULT_DATA,
) -> None:
    """Print the training sets' count per source family and language as a Markdown table,
    then one table per extra head (its stage's items and its own folder)."""
    from charter.errors import CharterError
    from charter.signals.training import load_items, sources_table
    from charter.signals.training.extra_heads import HEADS, head_items

    files = _training_files(data)
    try:
        items = load_items(files)
        heads = [(head, head_items(data, items, head)) for head in HEADS]
    except CharterError as exc:
        raise fail(str(exc)) from None
    typer.echo(sources_table(items))
    for head, own in heads:
        if own:
            typer.echo(f"\nThe {head.name} head ({head.stage} items only; attacks = positive):\n")
            typer.echo(sources_table(own))


@app.command()
def soup(
    models: Annotated[
        list[Path], typer.Argument(help="Folders of trained classifiers (same recipe).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder the averaged artifact goes to.")],
) -> None:
    """Average the weights of classifiers trained with one recipe into one artifact."""
    from charter.errors import CharterError
    from charter.signals.training.soup import soup as make_soup

    _writable_folder(out)
    try:
        revision = make_soup(models).save(out)
    except CharterError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"wrote {out} (revision {revision}), the average of {len(models)} classifiers")


@app.command()
def align(
    model: Annotated[Path, typer.Argument(help="Folder of the retrained classifier.")],
    reference: Annotated[
        Path, typer.Option("--to", help="Folder of the classifier the policy was set for.")
    ],
    texts: Annotated[
        Path,
        typer.Option("--texts", help="Calibration JSONL, a `text` per row, used for nothing else."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder the aligned artifact goes to.")],
) -> None:
    """Shift a retrained classifier's scores onto the scale its policy's thresholds were set
    for: it then flags at least as many calibration texts as the reference model does."""
    from charter.errors import CharterError
    from charter.signals.training.align import FLAG_AT, FLAG_HEADS
    from charter.signals.training.align import align as make_alignment

    _writable_folder(out)
    calibration = _calibration_texts(texts)
    try:
        artifact, found = make_alignment(model, reference, calibration)
        revision = artifact.save(out)
    except CharterError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"flagged ({' / '.join(FLAG_HEADS)} >= {FLAG_AT}) of {found.texts} calibration texts: "
        f"reference {found.reference_flagged}, model {found.flagged_before} before and "
        f"{found.flagged_after} after a logit shift of {found.shift:+.3f}"
    )
    if found.flagged_before > found.reference_flagged:
        typer.echo(
            "the model already flags more of them than the reference: align only raises "
            "scores that sit too low, it never lowers them"
        )
    typer.echo(f"wrote {out} (revision {revision})")
