"""Run mmdesk from a checkout: ``python main.py [COMMAND]`` (no command opens the app)."""

import sys

from mmdesk.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["demo"]))
