"""``python -m open311``: the same commands as ``open311``."""

from .cli import main

main()
