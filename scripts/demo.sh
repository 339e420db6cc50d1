#!/usr/bin/env bash
# Install proctor into .venv and run its main job, `proctor scan`, on the suite it
# ships with: grade (hardened) + detect + monitor, writing proctor-scan/report.html.
# Usage: bash scripts/demo.sh [proctor scan options...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
install_proctor "."
# scan exits 0 / 1 / 2 for ok / warning / hack so it can gate CI; the shipped suite
# contains hacks on purpose, so 1 and 2 are the expected outcomes here, not failures.
status=0
.venv/bin/proctor scan --out proctor-scan "$@" || status=$?
if [ "$status" -gt 2 ]; then
  exit "$status"
fi
echo "open proctor-scan/report.html in a browser; next: .venv/bin/proctor demo (graders side by side)"
