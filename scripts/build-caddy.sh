#!/usr/bin/env bash
# Builds Caddy with xcaddy and the two modules Rockpool needs, cached by version.
# Prints the path of the binary on stdout; progress goes to stderr.
#
# The pins are a mutually compatible set (see the plugins' go.mod history):
# caddy-security v1.1.32 is built against Caddy 2.10, caddy-ratelimit v0.1.0 needs Go >= 1.25.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib/common.sh"

CADDY_VERSION=v2.10.2
RATELIMIT_VERSION=v0.1.0
SECURITY_VERSION=v1.1.32
XCADDY_VERSION=v0.4.5
# go-authcrunch is not in the checksum database (see GONOSUMDB below): its hash is pinned here.
AUTHCRUNCH_DEP='github.com/greenpau/go-authcrunch	v1.1.8	h1:PpUbx9ur0Ct9W8ZJvgtc5jB3nDcpGnf+Scm5WljociE='

command -v go >/dev/null || die "Go is required to build Caddy (Go >= 1.25); install it and retry"
export GOTOOLCHAIN=local CGO_ENABLED=0
# The checksum database has no record of this caddy-security dependency, so Go cannot verify it
# there; we exempt only it, and check the built binary's record of it against a pinned hash below.
export GONOSUMDB="github.com/greenpau/go-authcrunch${GONOSUMDB:+,$GONOSUMDB}"
go_version=$(go env GOVERSION)
case "$go_version" in
  go1.2[5-9]*|go1.[3-9]*) ;;
  *) die "Go >= 1.25 is required to build caddy-ratelimit $RATELIMIT_VERSION; found $go_version" ;;
esac

key="caddy-${CADDY_VERSION}_ratelimit-${RATELIMIT_VERSION}_security-${SECURITY_VERSION}_${go_version}_$(go env GOOS)-$(go env GOARCH)"
dir="$(rockpool_cache_dir)/caddy/$key"
bin="$dir/caddy"

verify() {
  local modules
  modules=$("$1" list-modules 2>/dev/null) || die "$1 list-modules failed"
  grep -qx 'http.handlers.rate_limit' <<<"$modules" || die "$1 lacks the rate-limit handler (http.handlers.rate_limit)"
  grep -qx 'security' <<<"$modules" || die "$1 lacks the caddy-security app (security)"
  grep -qx 'http.authentication.providers.authorizer' <<<"$modules" \
    || die "$1 lacks caddy-security's authorizer (http.authentication.providers.authorizer)"
  go version -m "$1" | grep -qF "$AUTHCRUNCH_DEP" \
    || die "$1 was built with an unexpected go-authcrunch (expected: $AUTHCRUNCH_DEP)"
}

if [ -x "$bin" ]; then
  verify "$bin"
  echo "$bin"
  exit 0
fi

step "Building Caddy $CADDY_VERSION with caddy-ratelimit $RATELIMIT_VERSION and caddy-security $SECURITY_VERSION ($go_version)"
info "cache: $dir (a few minutes the first time; instant afterwards)"
mkdir -p "$dir"
tools="$(rockpool_cache_dir)/tools/xcaddy-$XCADDY_VERSION"
if [ ! -x "$tools/xcaddy" ]; then
  step "Installing xcaddy $XCADDY_VERSION"
  # Not `go install pkg@version`: it asks the proxy for the version list (deprecation check),
  # which restricted proxies refuse. A throwaway module fetches the exact version instead.
  xmod=$(mktemp -d)
  (
    cd "$xmod"
    go mod init rockpool-xcaddy >/dev/null 2>&1
    go get "github.com/caddyserver/xcaddy/cmd/xcaddy@$XCADDY_VERSION" >&2
    go build -o "$tools/xcaddy" github.com/caddyserver/xcaddy/cmd/xcaddy >&2
  ) || { rm -rf "$xmod"; die "building xcaddy $XCADDY_VERSION failed"; }
  rm -rf "$xmod"
fi

tmp=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step "Compiling (xcaddy build)"
(
  cd "$tmp"
  XCADDY_SKIP_CLEANUP=0 "$tools/xcaddy" build "$CADDY_VERSION" \
    --output "$tmp/caddy" \
    --with "github.com/mholt/caddy-ratelimit@$RATELIMIT_VERSION" \
    --with "github.com/greenpau/caddy-security@$SECURITY_VERSION" >&2
) || die "xcaddy build failed (see the output above)"

step "Verifying modules"
verify "$tmp/caddy"
mv "$tmp/caddy" "$bin"
info "$("$bin" version)"
echo "$bin"
