#!/usr/bin/env bash
# One command from a fresh clone to the running app: install, build the offline default model,
# write the sample library, index it and open the window (`--no-gui` prints searches instead).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
exec python main.py demo "$@"
