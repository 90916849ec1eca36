#!/usr/bin/env bash
# The test command README.md gives and .ci/run calls: installs what the tests drive (tmux, zsh, fish,
# script) when it can, then runs the whole suite with nextest.
#
# Tests that need a missing tool skip with a SKIPPED line; with CI set or KDECK_E2E_REQUIRED=1 they fail
# instead and say what to install (tests/tools/mod.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package
declare -A package=([tmux]=tmux [zsh]=zsh [fish]=fish [script]=bsdutils)
need=()
for tool in tmux zsh fish script; do
  command -v "$tool" >/dev/null 2>&1 || need+=("${package[$tool]}")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo -n)
  if command -v apt-get >/dev/null 2>&1 && { [ "${#sudo[@]}" = 0 ] || sudo -n true 2>/dev/null; }; then
    echo "installing test tools: ${need[*]}"
    "${sudo[@]}" apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing packages ${need[*]} (apt-get install ${need[*]}): the tests that drive them will skip, or fail in CI"
  fi
fi
if [ ! -x /usr/bin/kubectl ] && ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl not found (install it at /usr/bin/kubectl): the kubectl-referee tests will skip, or fail in CI"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
exec cargo nextest run --locked "$@"
