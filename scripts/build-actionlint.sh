#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow checker) from the Go module proxy, cached by version.
# Prints the path of the binary on stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib/common.sh"

ACTIONLINT_VERSION=v1.7.12

dir="$(rockpool_cache_dir)/tools/actionlint-$ACTIONLINT_VERSION"
bin="$dir/actionlint"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || die "Go is required to build actionlint; install it and retry"
step "Building actionlint $ACTIONLINT_VERSION (go install; once per version)"
mkdir -p "$dir"
# Everything Go fetches or builds stays in this version's directory.
GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$dir" GOPATH="$dir/go" GOFLAGS=-modcacherw \
  go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2 \
  || die "building actionlint $ACTIONLINT_VERSION failed (see the output above)"
"$bin" -version >&2 || die "$bin does not run"
echo "$bin"
