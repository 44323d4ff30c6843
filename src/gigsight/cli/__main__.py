"""``python -m gigsight.cli``."""

from gigsight.cli import main

main()
