#!/usr/bin/env bash
# Runs Rockpool: installs or builds whatever is missing (pnpm, dependencies, Caddy), puts the
# `rockpool` command on PATH (~/.local/bin/rockpool), then starts Rockpool in the foreground.
# With arguments, runs that rockpool command instead (`./scripts/run.sh status`).
# Settings come from the environment; see .envrc.example.
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/prepare.sh"
. "$ROCKPOOL_ROOT/scripts/lib/command-link.sh"
cd "$ROCKPOOL_ROOT"
prepare_all
install_rockpool_command
[ $# -gt 0 ] || set -- up
exec node "$ROCKPOOL_ROOT/apps/cli/dist/main.js" "$@"
