#!/usr/bin/env bash
# One command from a fresh clone to a passing test run: install, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
export QT_QPA_PLATFORM=offscreen HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
ruff check mmdesk tests bench main.py
ruff format --check mmdesk tests bench main.py
mypy mmdesk
lint-imports  # the layer contracts in pyproject.toml [tool.importlinter]
python -m pytest "$@"
