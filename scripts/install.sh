#!/usr/bin/env bash
# Install CodeTrans into the active Python environment.
#   bash scripts/install.sh            # the package (inference, data, CLI)
#   bash scripts/install.sh test       # + what the test suite needs (DeepSpeed included)
#   bash scripts/install.sh train,demo # any extras from pyproject.toml
# The CPU build of torch goes first: a bare `torch` requirement can pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
if [ -z "${VIRTUAL_ENV:-}" ] && [ -z "${CONDA_PREFIX:-}" ]; then
  echo "install.sh: no virtual environment is active; create one first: python3 -m venv .venv && . .venv/bin/activate" >&2
  exit 2
fi
python -m pip install -q --upgrade pip
python -c "import torch" 2>/dev/null || python -m pip install -q "torch==${CODETRANS_TORCH:-2.13.0}"
if [ -n "$extras" ]; then python -m pip install -q -e ".[$extras]"; else python -m pip install -q -e .; fi
case ",$extras," in
  *,test,*|*,deepspeed,*)
    # DeepSpeed compiles against the torch just installed; CPU accelerator unless CUDA is present.
    python -c "import deepspeed" 2>/dev/null || {
      acc=cpu; python -c "import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)" && acc=cuda
      DS_ACCELERATOR=$acc DS_BUILD_OPS=0 python -m pip install -q --no-build-isolation "deepspeed>=0.15"
    } ;;
esac
case ",$extras," in
  *,test,*)
    # The demo's browser test drives Debian's Chromium (Playwright cannot download its own browser here).
    if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then
      if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
      $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || echo "install.sh: could not install chromium; the demo browser test will fail" >&2
    fi ;;
esac
echo "codetrans installed ($(python -c 'import codetrans; print(codetrans.__version__)'))"
