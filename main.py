"""Run mmdesk from a checkout: ``python main.py [COMMAND]`` (no command opens the app)."""

import sys

from mmdesk.cli import run

if __name__ == "__main__":
    run(sys.argv[1:] or ["demo"])
