"""The ``gigsight`` command: each command parses, calls one library function, prints.

Exit codes: 0 success; 1 an error (one clear line, no traceback); 3 ingest loaded rows but rejected
some (they are in the rejects table; ``--strict`` turns that into exit 1 with nothing loaded).
Commands live in :mod:`~gigsight.cli.data`, :mod:`~gigsight.cli.analytics` and :mod:`~gigsight.cli.skills`.
"""

from __future__ import annotations

import sys

from rich.markup import escape

# importing a module registers its commands, in this order in --help
from gigsight.cli import data  # noqa: F401

# isort: split
from gigsight import DataValidationError, GigsightError
from gigsight.cli import analytics, clients, skills  # noqa: F401
from gigsight.cli.base import app, err

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except DataValidationError as exc:
        # the message is text, not markup: "[rule]" tags and "gigsight[web]" must print as written
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except GigsightError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc).splitlines()[0])}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written for the run in progress")
        sys.exit(130)

