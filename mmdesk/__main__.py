"""``python -m mmdesk``: the CLI."""

from mmdesk.cli import run

if __name__ == "__main__":  # a spawned decode process imports this module again: no CLI run
    run()
