"""Which rules regorus's compiled RVM path may run with OPA's semantics, read off the AST.

Measured gaps of the RVM (regorus 0.13) against its own interpreter, which follows OPA:

1. conflicts: a complete rule or function whose definitions give different values for the
   same input is an error in OPA (Charter then fails closed); the RVM returns undefined or
   one of the values silently;
2. an `else` after a body that iterates (`some`, `every`, a `_` index) is skipped;
3. an undefined value assigned inside an iteration (`y := x.missing`) leaks into the
   collection as the string "<undefined>" instead of dropping the element;
4. a builtin that errors (`to_number("abc")`, `object.union` on a string, a bad regex,
   `1 / 0`) is undefined, so the rule silently does not fire and the call is allowed; the
   interpreter raises and Charter fails closed (regorus 0.13's Python binding cannot make
   the RVM strict).

Gaps 1, 2 and 4 are decided here, statically and conservatively: a bundle with a rule of
one of those shapes keeps the interpreter for the entry points whose packages reach it.
For gap 4 only modules Charter does not ship count (the shipped ones run every eval corpus
on both engines in the differential tests and read data checked at load), so a bundle of
its own rules that call builtins, call a shipped function or apply an operator (`+`, `*`,
`|`, ...) is decided by the interpreter. Gap 3 is
covered at run time (`LEAK_SENTINEL` in a result sends that evaluation to the interpreter)
and by the differential tests (every eval corpus, tests/policies/test_engines_agree.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

LEAK_SENTINEL = "<undefined>"
"""How the RVM serialises an undefined value that leaked into a result."""


@dataclass(frozen=True)
class Hazard:
    """A rule the RVM may evaluate differently from OPA, and why."""

    package: str
    rule: str
    file: str
    why: str

    def describe(self) -> str:
        return f"{self.package}.{self.rule} ({self.file}): {self.why}"


def parse_modules(ast_json: str) -> list[dict[str, Any]]:
    """The modules of `Engine.get_ast_as_json`, parsed once for the checks below."""
    modules: list[dict[str, Any]] = json.loads(ast_json)
    return modules


def hazards(modules: list[dict[str, Any]]) -> list[Hazard]:
    """Rules of the shapes the RVM mishandles (gaps 1 and 2), in `parse_modules`' modules."""
    found: list[Hazard] = []
    definitions: dict[tuple[str, str], list[tuple[str, dict[str, Any], bytes]]] = defaultdict(list)
    files: dict[tuple[str, str], str] = {}
    for module in modules:
        tree, file = module["ast"], module["source"]["file"]
        source = _utf8(module)
        package = _ref_text(tree["package"]["refr"])
        for rule in tree["rules"]:
            spec = rule.get("Spec")
            if spec is None:
                continue  # `default` rules never conflict
            kind, head = next(iter(spec["head"].items()))
            name = _ref_text(head["refr"])
            definitions[(package, name)].append((kind, spec, source))
            files.setdefault((package, name), file)
            if kind == "Compr" and "RefBrack" in head["refr"] and head.get("assign"):
                why = "an object rule (`r[k] := v`): two values for one key"
                found.append(Hazard(package, name, file, why))
            if _else_after_iteration(spec["bodies"]):
                found.append(Hazard(package, name, file, "`else` after a body that iterates"))
    for (package, name), defs in definitions.items():
        if len(defs) > 1 and not name.endswith("[]") and _may_conflict(defs):
            why = f"{len(defs)} definitions that may give two values"
            found.append(Hazard(package, name, files[(package, name)], why))
    return found


def error_hazards(modules: list[dict[str, Any]], trusted: Collection[str]) -> list[Hazard]:
    """Rules that call a builtin or compute (gap 4) in a module whose `normalized` text is
    not in `trusted`. Calls of functions defined in such modules are not builtins: their bodies are
    checked where they are defined. A call into a trusted (shipped) function is: its builtins
    then run on the caller's arguments (`lib.mentions_any("a string")` errored inside lib)."""
    modules = [m for m in modules if normalized(m["source"]["contents"]) not in trusted]
    functions = {
        f"{_ref_text(m['ast']['package']['refr'])}.{_ref_text(r['Spec']['head']['Func']['refr'])}"
        for m in modules
        for r in m["ast"]["rules"]
        if "Func" in r.get("Spec", {}).get("head", {})
    }
    found: list[Hazard] = []
    for module in modules:
        tree, file = module["ast"], module["source"]["file"]
        source = _utf8(module)
        package = _ref_text(tree["package"]["refr"])
        aliases = _import_aliases(tree, source)
        for rule in tree["rules"]:
            spec = rule.get("Spec")
            if spec is None:
                continue  # a `default` value is a constant
            name = _ref_text(next(iter(spec["head"].values()))["refr"])
            why = _erring(spec, package, aliases, functions)
            if why:
                found.append(Hazard(package, name, file, why))
    return found


def normalized(source: str) -> str:
    """A module's text as compared with the shipped ones: line endings, spaces at line ends
    and trailing newlines ignored. A checkout with CRLF endings (git's core.autocrlf) or one
    more newline sent the whole shipped bundle to the interpreter (found by probing)."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).rstrip("\n")


def reachable_packages(modules: list[dict[str, Any]], entry_package: str) -> set[str]:
    """Packages an entry point's package may use: itself and what it imports, transitively
    (`data.x.y` references count as imports)."""
    uses: dict[str, set[str]] = defaultdict(set)
    packages: set[str] = set()
    for module in modules:
        tree = module["ast"]
        package = _ref_text(tree["package"]["refr"])
        packages.add(package)
        for imported in tree.get("imports", []):
            uses[package].add(_ref_text(imported["refr"]).removeprefix("data."))
        for text in _data_refs(tree):
            uses[package].add(text)
    seen: set[str] = set()
    todo = [entry_package]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for used in uses.get(current, ()):
            todo.extend(p for p in packages if used == p or used.startswith(p + "."))
    return seen


# --- internals -----------------------------------------------------------------------------


def _ref_text(ref: Mapping[str, Any]) -> str:
    kind, node = next(iter(ref.items()))
    if kind == "Var":
        return str(node["value"])
    if kind == "RefDot":
        return f"{_ref_text(node['refr'])}.{node['field'][1]}"
    if kind == "RefBrack":
        return f"{_ref_text(node['refr'])}[]"
    return "?"


def _nodes(tree: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield key, value
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


def _data_refs(tree: Any) -> Iterable[str]:
    for kind, node in _nodes(tree):
        if kind in ("RefDot", "RefBrack") and isinstance(node, dict):
            text = _ref_text({kind: node})
            if text.startswith("data."):
                yield text.removeprefix("data.").split("[", 1)[0]


def _import_aliases(tree: Mapping[str, Any], source: bytes) -> dict[str, str]:
    """alias -> imported package (`import data.charter.lib` -> {"lib": "charter.lib"})."""
    out: dict[str, str] = {}
    for imported in tree.get("imports", []):
        path = _ref_text(imported["refr"])
        if not path.startswith("data."):
            continue
        span = imported.get("as")
        alias = _slice(source, span) if span else path.rpartition(".")[2]
        out[alias] = path.removeprefix("data.")
    return out


def _erring(spec: Any, package: str, aliases: Mapping[str, str], functions: set[str]) -> str:
    """Why a rule may hit a builtin error (the first call or operator found), or "".
    Every arithmetic and set operator counts: `input.amount * 35` with the amount sent as a
    string errors in OPA and was undefined on the RVM, so the call was allowed."""
    for kind, node in _nodes(spec):
        if kind in _OPERATORS and isinstance(node, dict):
            op = node.get("op", "-")
            return f"applies {op} (on a wrong type: undefined on the RVM, an error in OPA)"
        if kind != "Call" or not isinstance(node, dict):
            continue
        called = _ref_text(node["fcn"])
        head, _, rest = called.partition(".")
        own = {f"{package}.{called}", called.removeprefix("data.")}
        if head in aliases:
            own.add(f"{aliases[head]}.{rest}" if rest else aliases[head])
        if not own & functions:
            return f"calls {called}(), whose error the RVM ignores (the rule would not fire)"
    return ""


_OPERATORS = ("ArithExpr", "BinExpr", "UnaryExpr")
"""`+ - * / %`, set `| &` and unary minus: each errors on an operand of the wrong type."""


def _iterates(query: Any) -> bool:
    """True when a body binds a variable by iteration: `some`, `every`, or a `_` index."""
    for kind, node in _nodes(query):
        if kind in ("SomeIn", "SomeVars", "Every"):
            return True
        if kind == "RefBrack" and isinstance(node, dict):
            index = node.get("index", {})
            if "Var" in index and index["Var"]["value"] == "_":
                return True
    return False


def _else_after_iteration(bodies: list[dict[str, Any]]) -> bool:
    has_else = any(b.get("is_else") for b in bodies)
    return has_else and any(_iterates(b.get("query")) for b in bodies[:-1])


def _utf8(module: Mapping[str, Any]) -> bytes:
    """A module's text as regorus's spans count it: in UTF-8 bytes. Found by review: the
    spans were read as character positions, so one `ş` in a comment above two conflicting
    definitions shifted every text read after it, the two values read alike and the
    conflict went unseen (the RVM, chosen, returns one value where OPA fails closed)."""
    contents: str = module["source"]["contents"]
    return contents.encode("utf-8", "surrogatepass")


def _slice(source: bytes, span: Mapping[str, Any]) -> str:
    start, end = span.get("start", 0), span.get("end", 0)
    return source[start:end].decode("utf-8", "replace")


def _span_text(source: bytes, node: Any) -> str:
    _kind, inner = next(iter(node.items()))
    span = inner.get("span", {}) if isinstance(inner, dict) else {}
    return _slice(source, span).strip()


def _may_conflict(defs: list[tuple[str, dict[str, Any], bytes]]) -> bool:
    """Several definitions of one name conflict only if two can hold with different values.
    Boolean rules (`r if ...`) and partial sets (`r contains ...`) never do; pairs whose
    bodies exclude each other (`x == y` / `x != y`, `e` / `not e`, a value `v` / `not v`)
    do not either. Anything else is assumed to."""
    valued = []
    for kind, spec, source in defs:
        head = spec["head"][kind]
        if kind == "Set" or (kind == "Compr" and head.get("assign") is None):
            continue
        if kind == "Func" and head.get("assign") is None:
            continue
        valued.append((spec, source, head))
    if len(valued) < 2:
        return False
    values = {_span_text(src, h["assign"]["value"]) for _, src, h in valued if h.get("assign")}
    if len(values) == 1 and len(valued) == len(defs):
        return False  # every definition gives the same value
    for i, (a, src_a, head_a) in enumerate(valued):
        for b, src_b, head_b in valued[i + 1 :]:
            if not _exclusive(a, src_a, head_a, b, src_b, head_b):
                return True
    return False


def _conditions(spec: dict[str, Any], source: bytes) -> set[str]:
    found: set[str] = set()
    for body in spec["bodies"][:1]:
        for statement in body["query"]["stmts"]:
            literal = statement["literal"]
            kind, node = next(iter(literal.items()))
            if kind == "NotExpr":
                found.add("not " + _span_text(source, node["expr"]))
            elif kind == "Expr":
                expr = node["expr"]
                text = _span_text(source, expr)
                if "BoolExpr" in expr:
                    op = expr["BoolExpr"]["op"]
                    lhs = _span_text(source, expr["BoolExpr"]["lhs"])
                    rhs = _span_text(source, expr["BoolExpr"]["rhs"])
                    text = f"{lhs} {op} {rhs}"
                found.add(text)
    return found


def _negations(condition: str) -> set[str]:
    out = {f"not {condition}", condition.removeprefix("not ")}
    for op, other in (("Eq", "Ne"), ("Ne", "Eq")):
        if f" {op} " in condition:
            out.add(condition.replace(f" {op} ", f" {other} "))
    return out - {condition}


def _exclusive(
    a: dict[str, Any], src_a: bytes, head_a: Any, b: dict[str, Any], src_b: bytes, head_b: Any
) -> bool:
    cond_a, cond_b = _conditions(a, src_a), _conditions(b, src_b)
    if not a["bodies"] and head_a.get("assign"):
        cond_a.add(_span_text(src_a, head_a["assign"]["value"]))  # defined iff the value is
    if not b["bodies"] and head_b.get("assign"):
        cond_b.add(_span_text(src_b, head_b["assign"]["value"]))
    return any(neg in cond_b for c in cond_a for neg in _negations(c))
