"""`python -m descent ...` runs the command-line program (see _cli.py)."""

from ._cli import main

main()
