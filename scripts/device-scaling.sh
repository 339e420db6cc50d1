#!/usr/bin/env bash
# The 16-core figures of benchmarks/scaling.py (issue: efficiency against 1 worker on
# HumanEval+), on a borrowed machine that reaches no package registry.
#
#   bash scripts/device-scaling.sh --prepare   # here: wheels it lacks -> .whl/, data -> .device/
#   bash scripts/device-scaling.sh [ARGS]      # there, with .whl and .device carried;
#                                              # ARGS go to benchmarks/scaling.py
#
# There it installs the carried wheels into /tmp/site (the machine's python3 already has
# numpy, typer, rich, jinja2, matplotlib and pytest; pydantic and orjson it lacks), runs
# proctor from src/ and writes scaling-<N>cpu.md/.json into $OUT (or benchmarks/results).
# About 6 min on 16 cores: 1, 2, 4, 8, 16 workers x sharded/unsharded x 3 repeats.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${PROCTOR_SHARED_DATA:-../shared/data}/humanevalplus/HumanEvalPlus.jsonl.gz

if [ "${1:-}" = --prepare ]; then
  mkdir -p .whl .device
  for d in .whl .device; do
    grep -qx "/$d/" .git/info/exclude 2>/dev/null || echo "/$d/" >> .git/info/exclude
  done
  # versions this checkout is tested with, built for the machine's CPython 3.12
  wanted=()
  for name in pydantic pydantic-core annotated-types typing-inspection orjson; do
    wanted+=("$name==$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('$name'))")")
  done
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl "${wanted[@]}"
  cp "$DATA" .device/
  du -sh .whl .device
  exit 0
fi

[ -d .whl ] && [ -f .device/HumanEvalPlus.jsonl.gz ] \
  || { echo "error: run 'bash scripts/device-scaling.sh --prepare' here first, then carry .whl and .device" >&2; exit 2; }
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1
python3 -c "import proctor.graders, pydantic; print('proctor imports; pydantic', pydantic.VERSION)"
# workers 1, 2, 4, 8, 16 (those the machine's cores allow: the script's default)
python3 benchmarks/scaling.py --repeats 3 --data .device/HumanEvalPlus.jsonl.gz \
  --out "${OUT:-benchmarks/results}" "$@"
