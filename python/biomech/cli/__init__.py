"""The ``biomech`` command-line program: one module per domain in this package
(``biomech/cli/seesaw.py`` has ``biomech stance`` and ``biomech q-angle``, ...), each
subcommand registered with two decorators; the module is then listed once in
``COMMAND_MODULES`` below. The domain modules of ``biomech`` hold the API and know
nothing of the command line::

    # python/biomech/cli/seesaw.py
    from biomech.cli import argument, command

    @command("seesaw", help="Abductor and hip contact force in single-leg stance.")
    @argument("--mass-kg", type=float, default=70.0, help="body mass (kg)")
    def _seesaw_cmd(args):
        return {"abductor_force_n": ...}   # any JSON-able result

The function returns its result (dicts, lists, numbers, strings, NumPy values,
pandas objects). ``--json`` (after the subcommand, or before it) prints the
result as JSON; otherwise it is printed as text, by ``text=`` (a function of
the result returning a string) when given, else by a generic formatter.

Errors: a usage error prints ``biomech: error: <message>`` and exits 2; any
other exception prints ``biomech: error: <message>`` and exits 1. No traceback
unless ``BIOMECH_DEBUG=1``.
"""
from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# Modules that define subcommands, in the order they appear in --help.
# Adding a subcommand module: one line here.
COMMAND_MODULES = [
    "biomech.cli.model",  # model, moment-arms
    "biomech.cli.sweep",  # sweep
    "biomech.cli.results",  # plot
    "biomech.cli.seesaw",  # stance, q-angle
    "biomech.cli.exercise",  # exercises, simulate, compare
    "biomech.cli.dynamics",  # trendelenburg, hip-hitch
    "biomech.cli.analysis",  # analyze
    "biomech.cli.validate",  # validate
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


@dataclass
class _Command:
    name: str
    func: Callable[[argparse.Namespace], Any]
    help: str
    description: str | None
    text: Callable[[Any], str] | None
    arguments: list[tuple[tuple, dict]] = field(default_factory=list)


_REGISTRY: dict[str, _Command] = {}


def _escape_percent(text: str | None) -> str | None:
    """argparse %-formats help texts: keep '%(default)s' and friends, escape any other '%'."""
    if text is None:
        return None
    return re.sub(r"%(?!\()", "%%", text.replace("%%", "%"))


def argument(*flags, **kwargs):
    """Decorator: add an ``argparse`` argument (same signature as ``add_argument``)."""
    if "help" in kwargs and kwargs["help"] is not argparse.SUPPRESS:
        kwargs["help"] = _escape_percent(kwargs["help"])

    def deco(func):
        args = func.__dict__.setdefault("_biomech_arguments", [])
        args.insert(0, (flags, kwargs))  # decorators apply bottom-up; keep source order
        return func

    return deco


def command(name: str, *, help: str, description: str | None = None, text: Callable[[Any], str] | None = None):
    """Decorator: register ``func(args) -> result`` as subcommand ``name``."""

    def deco(func):
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise RuntimeError(f"biomech CLI: subcommand {name!r} registered twice")
        _REGISTRY[name] = _Command(name, func, help, description, text,
                                   list(func.__dict__.get("_biomech_arguments", [])))
        return func

    return deco


class UsageError(Exception):
    """Bad command line (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # noqa: D401 - argparse hook
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with every registered subcommand."""
    for mod in COMMAND_MODULES:
        importlib.import_module(mod)
    from .. import __version__

    parser = _Parser(
        prog="biomech",
        description="Hip biomechanics: musculoskeletal model, moment arms, seesaw, exercises, dynamics.",
        epilog="Run 'biomech <command> --help' for a command's options. "
               "Errors print one line and exit non-zero (BIOMECH_DEBUG=1 shows the traceback).",
    )
    parser.add_argument("--version", action="version", version=f"biomech {__version__}")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)
    for cmd in _REGISTRY.values():
        # argparse %-formats a help text but prints a description as it is
        p = sub.add_parser(cmd.name, help=_escape_percent(cmd.help),
                           description=(cmd.description or cmd.help).replace("%%", "%"))
        # default=SUPPRESS so that `biomech --json model` is not undone by the subparser
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                       help="print the result as JSON")
        for flags, kwargs in cmd.arguments:
            p.add_argument(*flags, **kwargs)
        p.set_defaults(_command=cmd)
    return parser


# ---- arguments shared by the subcommands

def parse_assignments(text: str | None, what: str = "--posture-deg") -> dict[str, float]:
    """'a=1,b=2' -> {'a': 1.0, 'b': 2.0}; ValueError naming the bad item."""
    out: dict[str, float] = {}
    if not text:
        return out
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{what}: expected NAME=VALUE items separated by commas, got '{item}'")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"{what}: expected a number for '{name.strip()}', got '{value}'") from None
    return out


MODEL_HELP = "model file (.yaml, or .osim for OpenSim import); default: the shipped gait2392 hip model"


def model_from_args(args):
    """The model a CLI command asked for with --model (and --sex/--mass-kg/--height-m for the default)."""
    from .. import _core
    from ..model import Model

    path = getattr(args, "model", None)
    subject_opts = {k: getattr(args, k, None) for k in ("sex", "mass_kg", "height_m")}
    if path:
        if any(v is not None for v in subject_opts.values()):
            raise ValueError("--sex/--mass-kg/--height-m apply to the default model only, not with --model")
        if os.fspath(path).lower().endswith(".osim"):
            return Model.from_osim(path)
        return Model.load(path)
    if all(v is None for v in subject_opts.values()):
        return Model.default()
    subject = _core.Subject(name="cli", **{k: v for k, v in subject_opts.items() if v is not None})
    return Model.default(subject)


def model_arguments(func):
    """Decorator adding --model, --sex, --mass-kg, --height-m to a subcommand."""
    func = argument("--height-m", type=float, help="subject height (m), default model only")(func)
    func = argument("--mass-kg", type=float, help="subject body mass (kg), default model only")(func)
    func = argument("--sex", choices=["male", "female"], help="subject sex, default model only")(func)
    func = argument("--model", metavar="PATH", help=MODEL_HELP)(func)
    return func



# ---- output


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types from NumPy / pandas / paths; non-finite floats become null."""
    if obj is None or isinstance(obj, (bool, str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    mod = type(obj).__module__
    if mod.startswith("pandas"):
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return {str(r): to_jsonable(row.to_dict()) for r, row in obj.iterrows()}
        if isinstance(obj, pd.Series):
            return to_jsonable(obj.to_dict())
    if mod == "numpy":
        return to_jsonable(obj.tolist())
    if hasattr(obj, "_asdict"):
        return to_jsonable(obj._asdict())
    if hasattr(obj, "__dict__"):
        return to_jsonable({k: v for k, v in vars(obj).items() if not k.startswith("_")})
    return str(obj)


def format_text(obj: Any, indent: int = 0) -> str:
    """Generic human-readable rendering of a command result."""
    pad = "  " * indent
    mod = type(obj).__module__
    if mod.startswith("pandas"):
        return "\n".join(pad + line for line in obj.to_string().splitlines())
    if isinstance(obj, dict):
        lines = []
        for k, v in obj.items():
            if (isinstance(v, (dict, list, tuple)) and v) or type(v).__module__.startswith("pandas"):
                lines.append(f"{pad}{k}:")
                lines.append(format_text(v, indent + 1))
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}")
        return "\n".join(lines)
    if isinstance(obj, (list, tuple)):
        return "\n".join(
            (f"{pad}-\n" + format_text(v, indent + 1)) if isinstance(v, (dict, list, tuple)) else f"{pad}- {_scalar(v)}"
            for v in obj
        )
    return pad + _scalar(obj)


def _scalar(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# ---- entry point


def _one_line(exc: BaseException) -> str:
    msg = str(exc).strip() or type(exc).__name__
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        msg = str(exc.args[0])
    return " ".join(msg.split())


def main(argv: list[str] | None = None) -> int:
    """Run the program; returns the exit status (0 ok, 1 error, 2 usage)."""
    debug = os.environ.get("BIOMECH_DEBUG", "") not in ("", "0")
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        cmd: _Command | None = getattr(args, "_command", None)
        if cmd is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        result = cmd.func(args)
        if result is not None:
            if getattr(args, "json", False):
                print(json.dumps(to_jsonable(result), indent=2, allow_nan=False))
            else:
                print(cmd.text(result) if cmd.text else format_text(result))
        sys.stdout.flush()
        return EXIT_OK
    except UsageError as e:
        if debug:
            raise
        print(f"biomech: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("biomech: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # e.g. `biomech model | head`: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_OK
    except SystemExit:
        raise  # --help / --version
    except BaseException as e:  # noqa: BLE001 - the one place that turns errors into a message
        if debug:
            raise
        print(f"biomech: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_ERROR


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
