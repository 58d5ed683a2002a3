"""The thin layer over regorus: building engines and turning its errors into ours.

regorus objects are bound to the thread that created them and raise `PanicException` (a
`BaseException`) when touched from another thread, so everything here is called on the
thread that will use the result.
"""

from __future__ import annotations

import re
from typing import Any

import regorus

from charter.errors import PolicyLoadError
from charter.policy.bundle import PolicyBundle

UNDEFINED = '"<undefined>"'
_LOCATION = re.compile(r"-->\s*(?P<loc>[^\s:]+(?::\d+){1,2})")
_MESSAGE = re.compile(r"^error:\s*(?P<msg>.+)$", re.M)
_UNSUPPORTED = ("crypto.", "io.jwt.")


def clean_error(exc: BaseException) -> tuple[str, str | None]:
    """(message, "file:line:col") from a regorus error, without the Rust backtrace."""
    text = str(exc).split("Stack backtrace:")[0].strip()
    loc = _LOCATION.search(text)
    msg = _MESSAGE.search(text)
    message = msg.group("msg").strip() if msg else (text.splitlines()[0] if text else repr(exc))
    unknown = "could not find function" in message or "Unknown function" in message
    if unknown and any(u in message for u in _UNSUPPORTED):
        message += (
            " (the embedded engine, regorus, has no crypto.* or io.jwt.* builtins; "
            "verify tokens in the application, or use an OPA server: engine = OPA URL)"
        )
    return message, loc.group("loc") if loc else None


_UNSUPPORTED_CALL = re.compile(r"\b(crypto\.[\w.]+|io\.jwt\.[\w.]+)\s*\(")


def check_builtins(path: str, source: str) -> None:
    """regorus resolves some unknown builtins only at evaluation; refuse them at load."""
    for lineno, line in enumerate(source.splitlines(), start=1):
        code = line.split("#", 1)[0]
        match = _UNSUPPORTED_CALL.search(code)
        if match:
            raise PolicyLoadError(
                f"{match.group(1)} is not available in the embedded engine (regorus has no "
                "crypto.* or io.jwt.* builtins); verify tokens in the application, or use an "
                "OPA server (engine = its URL)",
                location=f"{path}:{lineno}:{match.start(1) + 1}",
            )


def new_engine(bundle: PolicyBundle, *, with_tests: bool = False) -> Any:
    """A regorus Engine loaded with the bundle; raises `PolicyLoadError` on a bad module."""
    engine = regorus.Engine()
    modules = bundle.modules + (bundle.tests if with_tests else ())
    for path, source in modules:
        check_builtins(path, source)
        try:
            engine.add_policy(path, source)
        except Exception as exc:  # regorus raises RuntimeError with a rendered message
            message, location = clean_error(exc)
            raise PolicyLoadError(message, location=location or path) from None
    if bundle.data:
        engine.add_data_json(bundle.data_json)
    return engine


def compile_program(bundle: PolicyBundle, entry_points: list[str]) -> Any:
    """The compiled RVM program for `entry_points` (the fast evaluation path)."""
    try:
        return regorus.Program.compile_from_modules(
            bundle.data_json, list(bundle.modules), entry_points
        )
    except Exception as exc:
        message, location = clean_error(exc)
        raise PolicyLoadError(message, location=location) from None


def serialized_program(bundle: PolicyBundle, entry_points: list[str]) -> bytes:
    """`compile_program`'s result as bytes: unlike the program, they may cross threads."""
    data: bytes = compile_program(bundle, entry_points).serialize_binary()
    return data


def load_program(data: bytes, bundle: PolicyBundle, entry_points: list[str]) -> Any:
    """A program from `serialized_program`'s bytes (~0.5 ms; compiling is ~25 ms), compiled
    afresh if regorus reads them only in part (another regorus wrote them)."""
    program, partial = regorus.Program.deserialize_binary(data)
    return compile_program(bundle, entry_points) if partial else program


def new_vm(program: Any, data_json: str) -> Any:
    vm = regorus.Rvm()
    vm.load_program(program)
    vm.set_data_json(data_json)
    return vm
