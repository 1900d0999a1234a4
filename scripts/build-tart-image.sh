#!/usr/bin/env bash
# Builds the tart base VM `rockpool-base` (macOS, Apple silicon) with the same provisioning script as
# the QEMU guest, scripts/guest/provision.sh (`--flavor tart`): Debian packages, Node and npm from the
# npm registry, code-server, user coder, the gate, and systemd units (scripts/guest/tart/) that read
# the workspace's settings and the gate's secret from the share the worker mounts, and a firewall
# that lets in only the gate and ssh. The QEMU image build runs the same script on every fresh build. Idempotent: a VM with the current inputs' stamp is kept.
# Prints the VM's name on stdout; progress goes to stderr. Needs tart and network access.
# It has never run on a real Mac (see README.md, "tart (macOS)").
set -euo pipefail
ROCKPOOL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROCKPOOL_ROOT/scripts/lib/common.sh"
. "$ROCKPOOL_ROOT/scripts/lib/tart.sh"

# The source image, pinned by digest: Cirrus Labs' Debian 13 (trixie) for tart, with systemd, the user
# admin/admin and the Tart Guest Agent. Its tags `trixie` and `latest` move every Saturday, and
# `bookworm` has not been rebuilt since 2025-12-08, so only a digest says what was built. tart takes
# `<repo>@sha256:<hex>` (never `<repo>:<tag>@sha256:...`, which it would take for a local VM name).
# Which digest: ROCKPOOL_TART_SOURCE (e.g. a repository variable in CI, to build one image everywhere),
# else PINNED_SOURCE below once someone has looked one up on a Mac, else the digest this machine
# resolved from the tag the first time it built (kept in the cache dir and printed), so a fresh Mac
# still sets itself up with `./scripts/run.sh` and then keeps building from the same bytes.
# To pin for everyone, on a Mac: tart pull $SOURCE_TAG && tart fqn $SOURCE_TAG, and put the result
# here. No digest has been looked up yet: the repository was written without a Mac.
SOURCE_TAG=ghcr.io/cirruslabs/debian:trixie
PINNED_SOURCE=
provision="$ROCKPOOL_ROOT/scripts/guest/provision.sh"
# Pinned in provision.sh, for both guests.
version_of() { sed -n "s/^$1=//p" "$provision"; }
NODE_VERSION=$(version_of NODE_VERSION)
NPM_VERSION=$(version_of NPM_VERSION)
CODE_SERVER_VERSION=$(version_of CODE_SERVER_VERSION)
IMAGE=${ROCKPOOL_TART_IMAGE:-rockpool-base}

command -v tart >/dev/null || die "tart is not installed: brew install cirruslabs/cli/tart"
tart_check_dhcp_lease
stamp_dir="$(rockpool_cache_dir)/tart"
mkdir -p "$stamp_dir"
machine_pin="$stamp_dir/source-image"
SOURCE_IMAGE=${ROCKPOOL_TART_SOURCE:-${PINNED_SOURCE:-$(cat "$machine_pin" 2>/dev/null || true)}}
if [ -z "$SOURCE_IMAGE" ]; then
  step "Pinning the tart source image: $SOURCE_TAG (this Mac keeps the digest it resolves now)"
  tart pull "$SOURCE_TAG" >&2 || die "tart pull $SOURCE_TAG failed"
  SOURCE_IMAGE=$(tart fqn "$SOURCE_TAG") || die "tart fqn $SOURCE_TAG failed"
  printf '%s\n' "$SOURCE_IMAGE" >"$machine_pin"
  info "pinned $SOURCE_IMAGE in $machine_pin; set ROCKPOOL_TART_SOURCE to it to build the same image elsewhere"
fi
[[ $SOURCE_IMAGE =~ ^[a-z0-9.-]+(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$ ]] ||
  die "the tart source image must be a digest reference, <repo>@sha256:<hex> (got '${SOURCE_IMAGE}'): check ROCKPOOL_TART_SOURCE, PINNED_SOURCE or $machine_pin"
gate_dir="$ROCKPOOL_ROOT/packages/guest/src/gate"
inputs=$( (cat "$0" "$provision" "$ROCKPOOL_ROOT"/scripts/guest/rockpool-* "$ROCKPOOL_ROOT"/scripts/guest/tart/* \
  "$gate_dir"/*.mjs; echo "$SOURCE_IMAGE") | shasum -a 256 | cut -c1-12)
stamp="$stamp_dir/$IMAGE.inputs"
if tart get "$IMAGE" >/dev/null 2>&1 && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
  echo "$IMAGE"
  exit 0
fi

# The e2e suite and operators reach a guest with this key (`ssh admin@$(tart ip VM)`); it never
# leaves this machine's cache directory.
key="$stamp_dir/ssh_ed25519"
[ -f "$key" ] || ssh-keygen -q -t ed25519 -N '' -C rockpool-tart -f "$key"

# Built under a name of its own and put in place at the end (`tart clone` replaces the old one in one
# step): a Rockpool instance cloning `$IMAGE` meanwhile never finds it missing or half-provisioned.
build_vm="$IMAGE-build-$$"
step "Building the tart image $IMAGE from $SOURCE_IMAGE (node $NODE_VERSION, npm $NPM_VERSION, code-server $CODE_SERVER_VERSION)"
tart clone "$SOURCE_IMAGE" "$build_vm"
tart set "$build_vm" --cpu 2 --memory 4096
tart run "$build_vm" --no-graphics --dir="guest:$ROCKPOOL_ROOT/scripts/guest:ro" --dir="gate:$gate_dir:ro" \
  >"$stamp_dir/build.log" 2>&1 &
run_pid=$!  # tart itself: SIGUSR2 to it asks the guest to shut down
# On failure the half-built VM is thrown away, so cutting its power (tart stop) loses nothing.
trap 'tart stop "$build_vm" --timeout 5 >/dev/null 2>&1 || true; kill "$run_pid" 2>/dev/null || true; tart delete "$build_vm" >/dev/null 2>&1 || true' EXIT
ip=$(tart ip "$build_vm" --wait 180) || die "the VM got no IP address (see $stamp_dir/build.log)"

# Cirrus Labs' images log in as admin/admin; the password is used once, to install the key.
askpass="$stamp_dir/askpass"
printf '#!/bin/sh\necho admin\n' >"$askpass" && chmod 0700 "$askpass"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10)
for _ in $(seq 60); do
  SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 ssh "${ssh_opts[@]}" "admin@$ip" \
    "mkdir -p ~/.ssh && echo '$(cat "$key.pub")' >> ~/.ssh/authorized_keys" </dev/null && break
  sleep 3
done
guest() { ssh "${ssh_opts[@]}" -o BatchMode=yes -i "$key" "admin@$ip" "$@"; }
guest true || die "cannot log in to the VM at $ip"

# Everything that goes into the guest is provision.sh's doing, as in the QEMU image; it reads this
# checkout's scripts/guest and the gate from the read-only shares.
guest sudo sh -eu <<'GUEST' >&2
mkdir -p /mnt/build
mount -t virtiofs com.apple.virtio-fs.automount /mnt/build
# Its own stdin is not this script's: nothing it runs may eat the lines below.
sh /mnt/build/guest/provision.sh --flavor tart --files /mnt/build/guest --gate /mnt/build/gate </dev/null
umount /mnt/build
GUEST

# A clean shutdown: SIGUSR2 asks the guest to power off (its systemd flushes the disk), and tart exits
# once it has. `tart stop` would cut the power, and what it cut would become every workspace's disk.
kill -USR2 "$run_pid"
for _ in $(seq 120); do kill -0 "$run_pid" 2>/dev/null || break; sleep 1; done
kill -0 "$run_pid" 2>/dev/null && die "the VM did not shut down within 120 s (see $stamp_dir/build.log)"
wait "$run_pid" || die "tart run exited $? (see $stamp_dir/build.log)"
trap - EXIT
tart clone "$build_vm" "$IMAGE"
tart delete "$build_vm"
echo "$inputs" >"$stamp"
echo "$IMAGE"
