# Shared by the scripts: create .venv with Python >= 3.11 and install proctor into it.
pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: proctor needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

# A CPU build of torch, put in before anything that asks for torch: left to choose, pip
# takes a CUDA build (about 6 GB with its nvidia-* wheels), which once filled CI's disk,
# and nothing proctor tests needs a GPU. Already-importable torch is kept as it is.
# Usage: install_cpu_torch VENV   (TORCH_SPEC overrides the version)
install_cpu_torch() {
  local venv=$1 spec=${TORCH_SPEC:-torch==2.13.0+cpu}
  local pip=("$venv/bin/python" -m pip install -q --disable-pip-version-check)
  "$venv/bin/python" -c "import torch" 2>/dev/null && return 0
  if compgen -G "/opt/wheels/torch-*+cpu-*.whl" >/dev/null; then
    "${pip[@]}" "$spec"  # pip's find-links already point at the wheel on disk
  elif ! "${pip[@]}" "$spec" --extra-index-url https://download.pytorch.org/whl/cpu; then
    echo "note: no CPU build of torch could be installed ($spec); pip will pick a torch" >&2
  fi
}

install_proctor() {
  local spec=$1
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  # only extras that bring torch need it; the core install stays light
  case "$spec" in
    *dev* | *llm* | *probes* | *audit* | *implicit*) install_cpu_torch .venv ;;
  esac
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
}
