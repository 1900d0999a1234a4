# Shared helpers for Rockpool's shell scripts. Source it; it defines functions only.

# Where slow builds (Caddy, the guest image) are cached, outside any checkout.
rockpool_cache_dir() {
  printf '%s\n' "${ROCKPOOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rockpool}"
}

step() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Runs apt-get install for the named packages that are missing. Needs root (or sudo).
apt_install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  step "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
}
