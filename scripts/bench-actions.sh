#!/usr/bin/env bash
# The TUI-actions figures: log ingest (lines/s, memory bounded by the ring) and port-forwards
# (throughput, added latency of one HTTP request, re-resolve time after the serving pod is deleted).
# Both run against in-process code only (the forward bench starts the simulated cluster on loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench log_ingest
cargo bench --locked --bench forward
