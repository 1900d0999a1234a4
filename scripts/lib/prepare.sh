# Brings a checkout to a runnable state: Node, pnpm, dependencies, Caddy, a build. Idempotent and
# quick when nothing is missing; every step says what it does. Source it, then call prepare_all.

PNPM_VERSION=10.34.8
MIN_NODE_MAJOR=20
MIN_NODE_MINOR=19

ensure_node() {
  command -v node >/dev/null || die "Node.js >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR is required (https://nodejs.org or your package manager)"
  local version major minor
  version=$(node -p 'process.versions.node')
  major=${version%%.*}; minor=${version#*.}; minor=${minor%%.*}
  if [ "$major" -lt "$MIN_NODE_MAJOR" ] || { [ "$major" -eq "$MIN_NODE_MAJOR" ] && [ "$minor" -lt "$MIN_NODE_MINOR" ]; }; then
    die "Node.js >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR is required; found $version"
  fi
}

# pnpm goes into the cache dir (no root needed, no global install touched).
ensure_pnpm() {
  if command -v pnpm >/dev/null && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then return 0; fi
  local prefix
  prefix="$(rockpool_cache_dir)/tools/pnpm-$PNPM_VERSION"
  if [ ! -x "$prefix/node_modules/.bin/pnpm" ]; then
    step "Installing pnpm $PNPM_VERSION from the npm registry"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-audit --no-fund "pnpm@$PNPM_VERSION" >&2 || die "installing pnpm failed"
  fi
  export PATH="$prefix/node_modules/.bin:$PATH"
}

ensure_dependencies() {
  # better-sqlite3 compiles from source when no prebuilt binary can be downloaded; node-gyp then
  # needs Node's headers, which Debian/NodeSource packages install under /usr/include/node.
  if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_api.h ]; then
    export npm_config_nodedir=/usr
  fi
  command -v make >/dev/null && command -v g++ >/dev/null && command -v python3 >/dev/null \
    || apt_install_missing build-essential python3
  step "Installing dependencies (pnpm install)"
  pnpm install --frozen-lockfile --reporter=append-only >&2 || die "pnpm install failed"
}

ensure_caddy() {
  ROCKPOOL_CADDY_BIN=$("$ROCKPOOL_ROOT/scripts/build-caddy.sh") || die "building Caddy failed"
  export ROCKPOOL_CADDY_BIN
  info "Caddy: $ROCKPOOL_CADDY_BIN"
}

# Linux: QEMU and nftables for the VMs, and the guest image (cached by version).
# macOS: tart (from Homebrew) and its base VM, built once by scripts/build-tart-image.sh.
ensure_vm_runtime() {
  if [ "$(uname -s)" = Darwin ]; then
    if ! command -v tart >/dev/null; then
      command -v brew >/dev/null || die "tart is required on macOS: https://tart.run (brew install cirruslabs/cli/tart)"
      step "Installing tart (brew install cirruslabs/cli/tart)"
      brew install cirruslabs/cli/tart >&2 || die "installing tart failed"
    fi
    ROCKPOOL_TART_IMAGE=$("$ROCKPOOL_ROOT/scripts/build-tart-image.sh") || die "building the tart image failed"
    export ROCKPOOL_TART_IMAGE
    info "tart image: $ROCKPOOL_TART_IMAGE"
    return 0
  fi
  [ "$(uname -s)" = Linux ] || return 0
  apt_install_missing qemu-system-x86 qemu-utils nftables
  ROCKPOOL_GUEST_IMAGE=$("$ROCKPOOL_ROOT/scripts/build-guest-image.sh") || die "building the guest image failed"
  export ROCKPOOL_GUEST_IMAGE
  info "Guest image: $ROCKPOOL_GUEST_IMAGE"
}

build_packages() {
  step "Building packages (turbo run build)"
  pnpm turbo run build --output-logs=errors-only >&2 || die "build failed"
}

# Linux: the memory snapshot new workspaces are restored from (needs the image and the built worker).
# Without it (ROCKPOOL_GUEST_SNAPSHOT=off) every workspace boots cold.
ensure_guest_snapshot() {
  [ "$(uname -s)" = Linux ] && [ -n "${ROCKPOOL_GUEST_IMAGE:-}" ] || return 0
  if [ "${ROCKPOOL_GUEST_SNAPSHOT:-}" = off ]; then
    info "Guest snapshot: off (workspaces boot cold)"
    return 0
  fi
  ROCKPOOL_GUEST_SNAPSHOT=$("$ROCKPOOL_ROOT/scripts/build-guest-snapshot.sh" "$ROCKPOOL_GUEST_IMAGE") \
    || die "building the guest snapshot failed (ROCKPOOL_GUEST_SNAPSHOT=off boots every workspace cold)"
  export ROCKPOOL_GUEST_SNAPSHOT
  info "Guest snapshot: $ROCKPOOL_GUEST_SNAPSHOT"
}

prepare_all() {
  ensure_node
  ensure_pnpm
  ensure_dependencies
  ensure_caddy
  ensure_vm_runtime
  build_packages
  ensure_guest_snapshot
}
