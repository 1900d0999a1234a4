#!/usr/bin/env bash
# Runs Rockpool: installs or builds whatever is missing (pnpm, dependencies, Caddy), then starts it
# in the foreground. Settings come from the environment; see .envrc.example.
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/prepare.sh"
cd "$ROCKPOOL_ROOT"
prepare_all
exec node "$ROCKPOOL_ROOT/apps/cli/dist/main.js" up "$@"
