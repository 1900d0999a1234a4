#!/usr/bin/env bash
# Runs Rockpool's benchmarks (bench/README.md): prepares the checkout like scripts/run.sh (pnpm,
# dependencies, Caddy, the guest image, a build), installs the load and plot tools, then runs all
# five benchmarks or the ones named. Not part of scripts/test.sh.
#   ./scripts/bench.sh [--quick] [proxy-overhead|route-churn|ws-survival|ready-time|api ...]
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/prepare.sh"
cd "$ROCKPOOL_ROOT"
prepare_all
# wrk drives the HTTP load, gnuplot draws the PNGs (pngcairo terminal).
apt_install_missing wrk gnuplot-nox
step "Running benchmarks (results in bench/results/)"
exec node "$ROCKPOOL_ROOT/bench/dist/main.js" "$@"
