#!/usr/bin/env bash
# `pnpm dev`: the whole stack from this checkout's sources, reloaded on change (README, Development).
# Caddy as `rockpool up` starts it; the server and the worker under `tsx watch`; the dashboard from
# Vite's dev server behind the same Caddy origin. Its own data dir and ports (ROCKPOOL_DEV_*).
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/prepare.sh"
cd "$ROCKPOOL_ROOT"
ensure_node
ensure_pnpm
# pnpm rewrites node_modules/.modules.yaml on every install: install when the lockfile is newer.
[ node_modules/.modules.yaml -nt pnpm-lock.yaml ] || ensure_dependencies
ensure_caddy
ensure_vm_runtime
# No build: the CLI, the server and the worker run from their sources (the rockpool-source export
# condition of every package), the dashboard from Vite.
exec node --conditions=rockpool-source --import tsx apps/cli/src/main.ts dev "$@"
