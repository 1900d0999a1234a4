#!/bin/sh
# Provisions a Debian guest for Rockpool: the one script both images run, as root inside the guest's
# root file system. scripts/build-guest-image.sh runs it in a chroot (QEMU, amd64) on every fresh
# build; scripts/build-tart-image.sh runs it over ssh in the tart VM (arm64). So the Mac runs nothing
# that Linux has not run, except the few lines of the `tart` flavour below.
#
# Usage: provision.sh --flavor qemu|tart --files DIR --gate DIR
#   --flavor  how the workspace's settings and the gate's secret arrive, and what starts the services:
#             qemu  PID 1 is rockpool-init (no systemd); settings on the kernel command line; the
#                   secret through the QEMU guest agent (rockpool-gate-secret, on stdin)
#             tart  systemd units; settings and the secret in the worker's read-only share
#   --files   this directory (scripts/guest) as the guest sees it
#   --gate    packages/guest/src/gate (the gate's *.mjs files) as the guest sees it
# Needs the Debian archive and the npm registry. Versions are pinned here, for both guests; the
# build scripts read NODE_VERSION and CODE_SERVER_VERSION from this file.
set -eu
NODE_VERSION=24.21.0
# npm from the registry, run by that Node: Node's npm packages for Linux (node-linux-*) ship no npm,
# and Debian's npm loads its libraries from /usr/share/nodejs, where a plain Node never looks.
NPM_VERSION=11.21.2
CODE_SERVER_VERSION=4.139.1
REGISTRY=https://registry.npmjs.org
# What a workspace has, plus what code-server's native modules (kerberos, native-keymap, keytar)
# link against and compile with; the compilers stay, for the user's own native modules.
PACKAGES='ca-certificates iproute2 procps sudo git curl less nano openssh-client bash-completion xz-utils
  locales libgssapi-krb5-2 libxkbfile1 libsecret-1-0 libx11-6
  build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev'

fail() {
  echo "provision.sh: $*" >&2
  exit 1
}
flavor='' files='' gate=''
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || fail "$1 needs a value (usage: provision.sh --flavor qemu|tart --files DIR --gate DIR)"
  case $1 in
    --flavor) flavor=$2 ;;
    --files) files=$2 ;;
    --gate) gate=$2 ;;
    *) fail "unknown option $1 (usage: provision.sh --flavor qemu|tart --files DIR --gate DIR)" ;;
  esac
  shift 2
done
case $flavor in
  qemu) extra_packages=qemu-guest-agent ;;
  tart) extra_packages=nftables ;;
  *) fail "--flavor must be qemu or tart (got '$flavor')" ;;
esac
[ -f "$files/rockpool-settings" ] || fail "--files must be scripts/guest as the guest sees it (got '$files')"
[ -f "$gate/rockpool-gate.mjs" ] || fail "--gate must be packages/guest/src/gate as the guest sees it (got '$gate')"
case $(dpkg --print-architecture) in
  amd64) node_arch=x64 ;;
  arm64) node_arch=arm64 ;;
  *) fail "no Node package for the architecture $(dpkg --print-architecture)" ;;
esac

echo "provision.sh: Debian packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # word splitting is the point: one package per word
apt-get install -y -qq --no-install-recommends $PACKAGES $extra_packages >/dev/null

# A registry tarball, checked against the sha512 the registry publishes for it.
fetch() { # PACKAGE VERSION FILE
  integrity=$(curl -fsSL --retry 3 "$REGISTRY/$1/$2" | tr ',' '\n' |
    sed -n 's/.*"integrity": *"sha512-\([^"]*\)".*/\1/p' | head -n1)
  [ -n "$integrity" ] || fail "the registry gave no sha512 for $1@$2"
  curl -fsSL --retry 3 -o "$3" "$REGISTRY/$1/-/$1-$2.tgz"
  [ "$(sha512sum "$3" | cut -d' ' -f1)" = "$(printf '%s' "$integrity" | base64 -d | od -An -v -tx1 | tr -d ' \n')" ] ||
    fail "$1-$2.tgz does not match the registry's sha512"
}

echo "provision.sh: Node $NODE_VERSION (node-linux-$node_arch) and npm $NPM_VERSION, from the npm registry" >&2
work=$(mktemp -d)
fetch "node-linux-$node_arch" "$NODE_VERSION" "$work/node.tgz"
fetch npm "$NPM_VERSION" "$work/npm.tgz"
# Laid out like Node's own tarball in /usr/local: npm's prefix is then /usr/local, and
# npm_config_nodedir finds the headers in /usr/local/include/node.
tar -xzf "$work/node.tgz" -C /usr/local --strip-components=1 package/bin/node package/include
rm -rf /usr/local/lib/node_modules/npm
mkdir -p /usr/local/lib/node_modules/npm
tar -xzf "$work/npm.tgz" -C /usr/local/lib/node_modules/npm --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
export PATH="/usr/local/bin:$PATH"
[ "$(command -v npm)" = /usr/local/bin/npm ] || fail "npm on PATH is $(command -v npm), not the registry's"
[ "$(npm --version)" = "$NPM_VERSION" ] || fail "npm --version says $(npm --version), expected $NPM_VERSION"

echo "provision.sh: code-server $CODE_SERVER_VERSION (npm; minutes)" >&2
# Its postinstall runs `npm` from PATH (this one) and compiles native modules against Node's headers.
mkdir -p /opt/code-server
npm_config_nodedir=/usr/local npm install --prefix /opt/code-server --no-save --no-audit --no-fund \
  --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
[ -f /opt/code-server/node_modules/code-server/out/node/entry.js ] || fail "code-server has no out/node/entry.js"
rm -rf "$work" /root/.npm

echo "provision.sh: user coder, code-server, the gate, settings" >&2
id coder >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash coder
echo 'coder ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/coder
chmod 0440 /etc/sudoers.d/coder
cat >/usr/local/bin/code-server <<'WRAPPER'
#!/bin/sh
exec /usr/local/bin/node /opt/code-server/node_modules/code-server/out/node/entry.js "$@"
WRAPPER
chmod 0755 /usr/local/bin/code-server
install -m 0755 "$files/rockpool-settings" /usr/local/sbin/rockpool-settings
install -m 0755 "$files/rockpool-code-server" /usr/local/sbin/rockpool-code-server
# The gate: the only service that answers from outside the guest (see packages/guest/README.md).
mkdir -p /usr/local/lib/rockpool/gate
install -m 0644 "$gate"/*.mjs /usr/local/lib/rockpool/gate/
# git and shells should look right in the IDE's terminal.
printf '[safe]\n\tdirectory = *\n' >/etc/gitconfig

case $flavor in
  qemu)
    install -m 0755 "$files/rockpool-init" /sbin/rockpool-init
    install -m 0755 "$files/rockpool-gate-secret" /usr/local/sbin/rockpool-gate-secret
    install -m 0755 "$files/rockpool-restore-agent" /usr/local/sbin/rockpool-restore-agent
    touch /var/log/code-server.log /var/log/qemu-ga.log /var/log/rockpool-gate.log /var/log/rockpool-restore-agent.log
    chown coder:coder /var/log/code-server.log
    ;;
  tart)
    install -m 0644 "$files"/tart/*.service "$files"/tart/*.mount /etc/systemd/system/
    install -m 0755 "$files/tart/nftables.conf" /etc/nftables.conf
    # The image's admin/admin password would let any local user in past the gate: keys only.
    printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n' >/etc/ssh/sshd_config.d/rockpool.conf
    systemctl enable mnt-shared.mount rockpool-share rockpool-code-server rockpool-gate nftables
    ;;
esac
sync
echo "provision.sh: done ($flavor, $(dpkg --print-architecture))" >&2
