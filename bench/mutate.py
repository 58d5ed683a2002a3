"""`make mutate`: mutation testing of the guard's leak and deny paths (not part of CI).

Copies the repository to a temporary directory, then for each mutant of the functions
listed in TARGETS (a flipped comparison or condition, a removed `raise`, a dropped
assignment or call, a deny constant turned into an allow) runs the guard's tests against
the mutated copy. A mutant the tests do not notice "survives": every survivor on these
lines is a missing test. Prints one line per survivor and the counts.

    python -m bench.mutate [--limit N] [--jobs N] [--only SURVIVORS] [--functions NAME ...]
                           [--tests PATH ...]
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS: dict[str, tuple[str, ...]] = {
    "sdk/charter/pipeline/flow.py": (
        "guarded",
        "resumed",
        "close_run",
        "_prepare_tool",
        "_prepare_llm",
        "_all_placeholders",
        "_wait_for_approval",
        "_stream",
        "finish",
    ),
    "sdk/charter/pipeline/answer_reading.py": (
        "read_answer",
        "refuse_deferred",
        "streams_in",
        "is_stream",
    ),
    "sdk/charter/pipeline/binding.py": ("spread", "as_keywords"),
    "sdk/charter/decorator.py": ("prompt_of", "_asks_stream"),
    "sdk/charter/callables.py": ("kind_of",),
    "sdk/charter/inline_files.py": ("inline_file", "_decoded", "written", "_is_text"),
    "sdk/charter/attachments.py": ("attachments_in", "_walk", "attachment_of", "_read"),
    "sdk/charter/pipeline/stages.py": (
        "decide",
        "bounded",
        "viewed",
        "refuse_unchecked",
        "deny",
        "restore_allowed",
        "check_answer",
        "release_answer",
        "redacted",
        "restore",
        "inspect",
        "inspect_json",
    ),
    "sdk/charter/pipeline/tool_results.py": ("check_tool_texts", "finish_tool"),
    "sdk/charter/pipeline/holds.py": ("after_wait",),
    "sdk/charter/pipeline/limits.py": ("json_view", "_view"),
    "sdk/charter/pipeline/windows.py": ("__call__", "_last_window", "_release", "checked_whole"),
    "sdk/charter/streaming.py": (
        "feed",
        "finish",
        "_run",
        "safe_cut",
        "push",
        "close",
        "refuse",
        "_withheld",
        "_hold",
        "_in_line",
        "_pieces",
        "_text_chunk",
    ),
    "sdk/charter/chunks.py": ("__call__", "_put", "responses_part", "_responses_boundary"),
    "sdk/charter/privacy.py": ("inspect", "apply", "restore", "inspect_json", "render_json"),
}
TESTS = (
    "tests/guard/test_mutants.py",
    "tests/guard/test_streaming_window.py",
    "tests/guard/test_drivers.py",
    "tests/guard/test_guard.py",
    "tests/guard/test_revise.py",
    "tests/adversarial/test_deep_input.py",
    "tests/adversarial/test_tool_data_objects.py",
    "tests/guard/test_bad_arguments.py",
    "tests/adversarial/test_streamed_tool_calls.py",
    "tests/adversarial/test_anthropic_stream.py",
    "tests/adversarial/test_responses_stream_parts.py",
    "tests/adversarial/test_audio_answers.py",
    "tests/adversarial/test_structured_answers.py",
    "tests/adversarial/test_provider_streams.py",
    "tests/guard/test_sdk_stream_objects.py",
    "tests/guard/test_keyword_functions.py",
    "tests/adversarial/test_malformed_answers.py",
    "tests/adversarial/test_reasoning_answers.py",
    "tests/adversarial/test_inline_files.py",
    "tests/adversarial/test_unread_attachments.py",
    "tests/guard/test_real_sdks.py",
)
_FLIP = {
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
}


@dataclass(frozen=True)
class Mutant:
    path: str
    function: str
    line: int
    what: str
    source: str


def _functions(tree: ast.AST, names: tuple[str, ...]) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            yield node


def _mutations(fn: ast.FunctionDef) -> Iterator[tuple[ast.AST, str, ast.AST]]:
    """(node, description, replacement) for each mutation site inside `fn`."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _FLIP:
            new = copy.deepcopy(node)
            new.ops = [_FLIP[type(node.ops[0])]()]
            yield node, f"flip {type(node.ops[0]).__name__}", new
        elif isinstance(node, ast.If | ast.While):
            new = copy.deepcopy(node)
            new.test = ast.UnaryOp(op=ast.Not(), operand=new.test)
            yield node, "negate condition", new
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "drop not", copy.deepcopy(node.operand)
        elif isinstance(node, ast.Raise):
            yield node, "remove raise", ast.Pass()
        elif isinstance(node, ast.Assign | ast.AugAssign) and any(
            isinstance(t, ast.Attribute | ast.Subscript)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        ):
            yield node, "drop assignment", ast.Pass()
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield node, "drop call", ast.Pass()
        elif isinstance(node, ast.Attribute) and node.attr == "DENY":
            new = copy.deepcopy(node)
            new.attr = "ALLOW"
            yield node, "DENY -> ALLOW", new


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST) -> None:
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return ast.copy_location(self.replacement, node)
        return super().visit(node)


def missing_targets() -> list[str]:
    """TARGETS entries naming no function of their file: a rename would otherwise drop a
    path from mutation testing without a word (it did: `finish_answer`, `window_check`)."""
    missing = []
    for rel, names in TARGETS.items():
        found = {fn.name for fn in _functions(ast.parse((ROOT / rel).read_text()), names)}
        missing += [f"{rel}:{name}" for name in names if name not in found]
    return missing


def mutants() -> Iterator[Mutant]:
    for rel, names in TARGETS.items():
        text = (ROOT / rel).read_text()
        for fn in _functions(ast.parse(text), names):
            for node, what, replacement in _mutations(fn):
                tree = ast.parse(text)  # a fresh tree per mutant: find the same node in it
                twin = next(
                    n
                    for n in ast.walk(tree)
                    if type(n) is type(node)
                    and getattr(n, "lineno", -1) == getattr(node, "lineno", -2)
                    and getattr(n, "col_offset", -1) == getattr(node, "col_offset", -2)
                )
                mutated = _Replace(twin, replacement).visit(tree)
                ast.fix_missing_locations(mutated)
                yield Mutant(rel, fn.name, getattr(node, "lineno", 0), what, ast.unparse(mutated))


def _run(workdir: Path, tests: tuple[str, ...]) -> bool:
    """True when the tests fail (the mutant is killed)."""
    env = {**os.environ, "PYTHONPATH": f"{workdir / 'sdk'}:{workdir}"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=workdir,
            env=env,
            capture_output=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return True  # a mutant that hangs the guard is noticed too
    return done.returncode != 0


def _copy_tree(workdir: Path) -> None:
    for part in ("sdk", "tests", "policies", "examples", "pyproject.toml", "README.md"):
        source = ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(source, workdir / part, ignore=ignore)
        else:
            shutil.copy2(source, workdir / part)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="stop after N mutants")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--tests", nargs="*", default=list(TESTS))
    parser.add_argument(
        "--only", type=Path, help="re-test only the SURVIVED lines listed in this file"
    )
    parser.add_argument("--functions", nargs="*", help="mutate only these functions")
    args = parser.parse_args(argv)
    missing = missing_targets()
    if missing:
        print(f"TARGETS names functions that do not exist: {missing}", file=sys.stderr)
        return 2
    workdirs = [Path(tempfile.mkdtemp(prefix="charter-mutate-")) for _ in range(args.jobs)]
    try:
        for workdir in workdirs:
            _copy_tree(workdir)
        tests = tuple(t for t in args.tests if (workdirs[0] / t).exists())
        if _run(workdirs[0], tests):
            print("the tests fail without any mutation; fix them first", file=sys.stderr)
            return 2
        todo = [m for m in mutants() if not args.functions or m.function in args.functions]
        todo = todo[: args.limit or None]
        if args.only is not None:
            wanted = {
                line.removeprefix("SURVIVED ").strip()
                for line in args.only.read_text().splitlines()
                if line.startswith("SURVIVED ")
            }
            todo = [m for m in todo if f"{m.path}:{m.line} {m.function}: {m.what}" in wanted]
        free: queue.Queue[Path] = queue.Queue()
        for workdir in workdirs:
            free.put(workdir)

        def test(mutant: Mutant) -> bool:
            workdir = free.get()
            target = workdir / mutant.path
            original = target.read_text()
            target.write_text(mutant.source)
            try:
                return _run(workdir, tests)
            finally:
                target.write_text(original)
                free.put(workdir)

        started = time.monotonic()
        survived = []
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for mutant, killed in zip(todo, pool.map(test, todo), strict=True):
                if not killed:
                    survived.append(mutant)
                    print(f"SURVIVED {mutant.path}:{mutant.line} {mutant.function}: {mutant.what}")
                    sys.stdout.flush()
        print(
            f"mutants: {len(todo)}, killed: {len(todo) - len(survived)}, "
            f"survived: {len(survived)} ({time.monotonic() - started:.0f}s)"
        )
        return 1 if survived else 0
    finally:
        for workdir in workdirs:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
