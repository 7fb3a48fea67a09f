"""Printing helpers: JSON for scripts, aligned text and a progress line for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from mmdesk.core.tasks import Progress


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def progress_printer(prefix: str = "indexing") -> Any:
    """A TaskState callback that draws one updating line on stderr."""
    tty = sys.stderr.isatty()

    def show(p: Progress) -> None:
        eta = f", ETA {p.eta:.0f}s" if p.eta is not None and p.done < p.total else ""
        line = f"{prefix}: {p.done}/{p.total} ({p.rate:.1f}/s{eta})" + (
            f", {p.errors} errors" if p.errors else ""
        )
        if tty:
            sys.stderr.write("\r" + line.ljust(70) + ("\n" if p.message == "done" else ""))
        elif p.message == "done" or p.done % 256 < 32:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show
