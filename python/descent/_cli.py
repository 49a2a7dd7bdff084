"""The `descent` command that `pip install .` puts on PATH: it runs the command-line program
built into the package (descent/_bin/descent), the same program as the CMake build's
tools/descent/descent, with the same arguments, exit status and output."""

from __future__ import annotations

import os
import pathlib
import sys


def program() -> str:
    """The path of the compiled program: inside the installed package, or, in a CMake build
    tree (PYTHONPATH=<build>/python), <build>/tools/descent/descent."""
    here = pathlib.Path(__file__).resolve().parent
    for candidate in (here / "_bin" / "descent", here.parents[1] / "tools" / "descent" / "descent"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise FileNotFoundError(f"the descent program is not installed next to {here} (pip install . builds it)")


def main() -> None:
    try:
        path = program()
    except FileNotFoundError as e:
        print(f"descent: {e}", file=sys.stderr)
        sys.exit(3)
    # exec: the program replaces this process, so signals (Ctrl-C) and the exit status are its own.
    os.execv(path, [path, *sys.argv[1:]])
