"""``python -m mmdesk``: the CLI."""

from mmdesk.cli import run

run()
