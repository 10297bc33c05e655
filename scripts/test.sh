#!/usr/bin/env bash
# The test command (README "Test"): makes its own virtual environment, installs
# what the tests need from PyPI, builds the release wheel, installs it, and runs
# `cargo test` for the Rust core and `pytest` against the installed wheel.
#
#   bash scripts/test.sh [extra pytest arguments]
#
# Environment: PYTHON (interpreter for the venv, default python3),
# FERROCODEC_VENV (venv path, default .venv), CARGO_FEATURES (e.g.
# "--no-default-features --features free-threaded" for a 3.14t interpreter).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${FERROCODEC_VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtual environment $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
VPY="$(cd "$VENV" && pwd)/bin/python"
echo "==> installing test requirements"
"$VPY" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt "maturin>=1.16,<2"

echo "==> cargo test (Rust core)"
cargo test --locked -p ferrocodec
echo "==> cargo test (Rust core, portable code: what arm64 runs, built here without the x86-64 vector paths)"
FERROCODEC_PORTABLE=1 cargo test --locked -p ferrocodec --target-dir target/portable

echo "==> building the release wheel"
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
# shellcheck disable=SC2086
"$(dirname "$VPY")/maturin" build --locked --release --interpreter "$VPY" --out "$wheels" ${CARGO_FEATURES:-}
"$VPY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl

echo "==> pytest"
# Run from tests/ so the source tree's python/ is never imported in place of the wheel.
cd tests
"$VPY" -m pytest -p no:cacheprovider "$@"
