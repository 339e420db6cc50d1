#!/usr/bin/env bash
# Set up everything the tests need, then run what CI runs: lint, types, tests.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh

# System packages some tests need, installed when we can (root with apt), else those
# tests skip with a message: bubblewrap is the sandbox's fallback when unprivileged
# namespaces are off; chromium opens the monitor's HTML report in a headless browser.
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; }) \
    || echo "note: could not install ${need[*]}; the tests that need them will be skipped" >&2
fi

install_proctor ".[dev]"
echo "== ruff" && .venv/bin/ruff check src tests benchmarks
echo "== ruff format" && .venv/bin/ruff format --check src tests benchmarks
echo "== mypy" && .venv/bin/mypy
# The trainer job (TRL, verl, OpenRLHF driven through their own code, in .venv-trainers):
# ~1.5 GB to install (about 2 min with a warm pip cache, 8 min cold), so opt in with
# PROCTOR_TRAINERS=1; CI does. It runs first so the main suite's summary closes the log.
if [ "${PROCTOR_TRAINERS:-0}" = 1 ]; then
  echo "== trainers" && bash scripts/test-trainers.sh
fi
echo "== pytest" && .venv/bin/pytest -q "$@"

