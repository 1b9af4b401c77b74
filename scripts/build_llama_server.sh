#!/usr/bin/env bash
# Build llama.cpp's `llama-server` (an OpenAI-compatible server) from the llama-cpp-python sdist,
# for the real-server tests and benches. The binary lands in
#   ${DISTILLKIT_CACHE_DIR:-$HOME/.cache/distillkit}/llama-server/<version>-<cpu flags hash>/llama-server
# and is reused while it exists: a machine that keeps its home directory builds it once.
# It is compiled for this CPU (GGML_NATIVE), hence the CPU flags in the path.
# The last line printed is the binary's path.
set -euo pipefail
VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
JOBS=${LLAMA_BUILD_JOBS:-2}
CACHE=${DISTILLKIT_CACHE_DIR:-$HOME/.cache/distillkit}
flags=$( (grep -m1 -E '^(flags|Features)' /proc/cpuinfo 2>/dev/null || uname -m) | sha256sum | cut -c1-12)
DEST="$CACHE/llama-server/$VERSION-$flags"
BIN="$DEST/llama-server"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "llama-server already built"
  echo "$BIN"
  exit 0
fi

for tool in cmake make c++; do
  command -v "$tool" >/dev/null || { echo "build_llama_server: '$tool' is not installed" >&2; exit 1; }
done
if [ -x "$(dirname "$0")/../.venv/bin/python" ]; then PY="$(dirname "$0")/../.venv/bin/python"; else PY=${PYTHON:-python3}; fi

mkdir -p "$CACHE/llama-server"
# Built in a temp dir beside the destination, then renamed: a killed build never leaves a
# half-written binary where the next run would trust it.
WORK=$(mktemp -d "$CACHE/llama-server/.build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "build_llama_server: downloading llama-cpp-python==$VERSION (sdist)" >&2
# --no-binary only for llama-cpp-python: with :all: pip also compiles its build backend's
# dependencies from source just to read the sdist's metadata (minutes, and fragile).
"$PY" -m pip download -q --no-deps --no-binary llama-cpp-python --dest "$WORK/dl" \
  --retries "${PIP_RETRIES:-5}" --timeout "${PIP_DEFAULT_TIMEOUT:-60}" \
  "llama-cpp-python==$VERSION" >&2
tar -xzf "$WORK"/dl/llama_cpp_python-"$VERSION".tar.gz -C "$WORK"
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"
[ -f "$SRC/CMakeLists.txt" ] || { echo "build_llama_server: no llama.cpp sources in the sdist ($SRC)" >&2; exit 1; }

echo "build_llama_server: compiling llama-server with -j$JOBS (5-8 min on 2 cores)" >&2
cmake -S "$SRC" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DBUILD_SHARED_LIBS=OFF >"$WORK/cmake.log" 2>&1 \
  || { tail -n 40 "$WORK/cmake.log" >&2; echo "build_llama_server: cmake configure failed" >&2; exit 1; }
cmake --build "$WORK/build" --target llama-server -j"$JOBS" >"$WORK/build.log" 2>&1 \
  || { tail -n 40 "$WORK/build.log" >&2; echo "build_llama_server: compile failed" >&2; exit 1; }

built=$(find "$WORK/build" -type f -name llama-server -perm -u+x | head -n1)
[ -n "$built" ] || { echo "build_llama_server: the build produced no llama-server binary" >&2; exit 1; }
"$built" --version >/dev/null 2>&1 || { echo "build_llama_server: $built does not run" >&2; exit 1; }

mkdir -p "$WORK/out"
cp "$built" "$WORK/out/llama-server"
# A leftover folder without a working binary (e.g. deleted by hand) is replaced; a build that
# finished first meanwhile is kept (ours is identical).
if [ -e "$DEST" ] && ! "$BIN" --version >/dev/null 2>&1; then rm -rf "$DEST"; fi
if ! mv -T "$WORK/out" "$DEST" 2>/dev/null; then
  [ -x "$BIN" ] || { echo "build_llama_server: could not move the binary to $DEST" >&2; exit 1; }
fi
echo "$BIN"
