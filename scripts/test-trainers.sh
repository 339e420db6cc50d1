#!/usr/bin/env bash
# The optional trainer job: build .venv-trainers with the trainer versions proctor is
# tested against (CPU torch), then run the tests marked `trainers`, which drive TRL's
# GRPOTrainer, verl's reward loop and OpenRLHF's executor + remote client.
# Usage: bash scripts/test-trainers.sh [pytest args...]
# Not part of scripts/test.sh (it installs ~1.5 GB and took 8 min here); set
# PROCTOR_TRAINERS=1 to have scripts/test.sh run it too. See docs/trainers/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh

VENV=.venv-trainers
# The versions tested (docs/trainers/README.md). verl and OpenRLHF pin GPU-only
# packages (vllm, flash-attn, deepspeed) and older transformers: they are installed
# without their dependencies, plus what the modules under test import.
TRAINERS=(trl==1.16.0 transformers==5.25.0)
NO_DEPS=(verl==0.9.1 openrlhf==0.11.2)
THEIR_IMPORTS=(hydra-core "tensordict>=0.8,<=0.10.0,!=0.9.0" "ray>=2.41" aiohttp pylatexenc
               codetiming dill pybind11)

if [ ! -x "$VENV/bin/python" ]; then
  "$(pick_python)" -m venv "$VENV"
fi
pip_in() { "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@"; }
started=$(date +%s)
install_cpu_torch "$VENV"  # TORCH_SPEC picks another version
pip_in "${TRAINERS[@]}"
# scikit-learn: the real-model lab's auditor gate trains a probe (`proctor lab llm --auditor`)
pip_in -e ".[serve,parquet]" pytest httpx hypothesis "scikit-learn>=1.3"
pip_in --no-deps "${NO_DEPS[@]}"
pip_in "${THEIR_IMPORTS[@]}"
echo "== trainer venv ready in $(( $(date +%s) - started )) s" >&2
"$VENV/bin/python" - <<'PY' >&2
import importlib.metadata as md
print("   " + ", ".join(f"{p} {md.version(p)}" for p in
                        ("torch", "trl", "transformers", "verl", "openrlhf", "ray")))
PY
echo "== pytest -m trainers" >&2
exec "$VENV/bin/pytest" -q -m trainers -p no:cacheprovider tests/integrations tests/bench/lab/llm "$@"
