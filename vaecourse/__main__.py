"""Command line of the course: ``python -m vaecourse COMMAND`` (or ``vaecourse COMMAND``)."""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

# Each entry names a module with ``add_parser(subparsers)``; its parser sets ``func(args) -> int``.
# Each module is imported when the parser is built; keep heavy imports inside the commands themselves.
COMMAND_MODULES: list[str] = ["vaecourse.grading.progress", "vaecourse.training.cli", "vaecourse.instructor.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vaecourse", description=__doc__)
    parser.add_argument("--version", action="version", version=f"vaecourse {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
