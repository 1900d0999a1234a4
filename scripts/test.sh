#!/usr/bin/env bash
# Runs every test: installs or builds whatever is missing, then lint, typecheck, build and the test
# suites (real Caddy included). Ends with one summary line: "Tests: N passed, N failed, N skipped".
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/prepare.sh"
cd "$ROCKPOOL_ROOT"
prepare_all

find "$ROCKPOOL_ROOT" -path '*/node_modules' -prune -o -name 'vitest*.json' -path '*/test-results/*' -exec rm -f {} +
step "Lint and typecheck"
pnpm turbo run lint typecheck --output-logs=errors-only
status=0
step "Workflows (actionlint, with shellcheck on their run: scripts)"
[ "$(uname -s)" = Linux ] && apt_install_missing shellcheck
actionlint=$("$ROCKPOOL_ROOT/scripts/build-actionlint.sh") || die "building actionlint failed"
"$actionlint" .github/workflows/*.yml || status=1
step "Tests (turbo run test; pnpm dev's test included)"
[ "$(uname -s)" = Linux ] && apt_install_missing chromium
pnpm turbo run test --concurrency=1 --continue || status=$?
if [ "$(uname -s)" = Linux ]; then
  step "Tests on real VMs (QEMU; minutes under TCG)"
  pnpm --filter @rockpool/worker test:vm || status=$?
  pnpm --filter @rockpool/cli test:vm || status=$?
fi
if [ "$(uname -s)" = Linux ] || [ "$(uname -s)" = Darwin ]; then
  step "End-to-end: the stack from scripts/run.sh, real VMs, Chromium (e2e/)"
  # macOS has no system Chromium here: Playwright's own build is used (downloaded once).
  [ "$(uname -s)" = Darwin ] && [ -z "${ROCKPOOL_CHROMIUM:-}" ] && pnpm --filter @rockpool/e2e exec playwright install chromium
  rm -rf "$ROCKPOOL_ROOT/e2e/test-results" "$ROCKPOOL_ROOT/e2e/playwright-report"
  pnpm --filter @rockpool/e2e e2e || status=$?
  info "report: e2e/playwright-report/index.html, summary: e2e/test-results/playwright.json"
fi

node "$ROCKPOOL_ROOT/scripts/lib/test-summary.mjs" "$ROCKPOOL_ROOT" || status=1
exit "$status"
