#!/usr/bin/env bash
# The test command README.md gives and .ci/run calls: installs what the tests drive (tmux, zsh, fish) when
# it can, then runs the whole suite with nextest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for tool in tmux zsh fish; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test tools: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing ${need[*]}: the tests that drive them will be skipped (install them to run everything)"
  fi
fi
command -v kubectl >/dev/null 2>&1 || echo "kubectl not found: the kubectl-referee tests will be skipped"

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
exec cargo nextest run --locked "$@"
