#!/usr/bin/env bash
# Builds the Linux guest image for the qemu runtime, reproducibly from Debian packages and the npm
# registry, cached by version. What goes into the guest is scripts/guest/provision.sh's doing (the
# same script provisions the tart image), run here in a chroot on every fresh build. Prints the image directory on stdout (vmlinuz, initrd.gz,
# rootfs.img, manifest.json); progress goes to stderr. A second run is instant.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib/common.sh"

SUITE=bookworm
IMAGE_SIZE=8G
provision="$here/guest/provision.sh"
# Pinned in provision.sh, for both guests.
version_of() { sed -n "s/^$1=//p" "$provision"; }
NODE_VERSION=$(version_of NODE_VERSION)
NPM_VERSION=$(version_of NPM_VERSION)
CODE_SERVER_VERSION=$(version_of CODE_SERVER_VERSION)
# Load order matters: each module needs the ones before it.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mmio virtio_blk failover net_failover virtio_net virtio_console"

[ "$(uname -s)" = Linux ] || die "the QEMU guest image is built on Linux (macOS uses tart; see scripts/guest/README.md)"
[ "$(id -u)" -eq 0 ] || die "building the guest image needs root (debootstrap, chroot)"
apt_install_missing debootstrap busybox-static e2fsprogs qemu-utils xz-utils zstd

# One exact kernel: whatever Debian's cloud metapackage points at today (part of the cache key).
kernel_pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
if [ -z "$kernel_pkg" ]; then
  apt-get update -qq >&2 || true
  kernel_pkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n1)
fi
[ -n "$kernel_pkg" ] || die "cannot resolve linux-image-cloud-amd64 (is apt configured?)"
kernel_version=$(apt-cache policy "$kernel_pkg" | sed -n 's/.*Candidate: //p')

mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n1)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || die "cannot find a Debian mirror in /etc/apt/sources.list(.d)"

# Everything that goes into the image (not the docs beside it).
gate="$here/../packages/guest/src/gate"
inputs=$(cat "$0" "$provision" "$here"/guest/rockpool-* "$here/guest/initramfs-init" "$gate"/*.mjs |
  sha256sum | cut -c1-12)
key="debian-${SUITE}_${kernel_pkg#linux-image-}-${kernel_version}_node-${NODE_VERSION}_code-server-${CODE_SERVER_VERSION}_${inputs}"
out="$(rockpool_cache_dir)/guest/$key"
if [ -f "$out/manifest.json" ]; then
  echo "$out"
  exit 0
fi

step "Building the guest image (Debian $SUITE, $kernel_pkg, Node $NODE_VERSION, code-server $CODE_SERVER_VERSION)"
info "cache: $out (several minutes the first time; instant afterwards)"
mkdir -p "$(rockpool_cache_dir)/guest"
# A build killed outright (SIGKILL: no trap runs) leaves its work dir, maybe with /proc mounted in
# it. Each build holds a lock on its own dir while it runs; one whose lock is free has no owner left.
for stale in "$(rockpool_cache_dir)"/guest/build.*; do
  # A minute old at least: a build that just made its dir may not hold its lock yet.
  [ -n "$(find "$stale" -maxdepth 0 -type d -mmin +1)" ] || continue
  flock -n "$stale/.owner" true 2>/dev/null || continue
  umount "$stale/rootfs/proc" 2>/dev/null || true
  if mountpoint -q "$stale/rootfs/proc"; then
    info "left $stale in place: $stale/rootfs/proc is still mounted"
  else
    info "removing $stale, left by a build that was killed"
    rm -rf "$stale"
  fi
done
work=$(mktemp -d "$(rockpool_cache_dir)/guest/build.XXXXXX")
exec 8>"$work/.owner"
flock 8
cleanup() {
  umount "$work/rootfs/proc" 2>/dev/null || true
  # Never delete through a mount that is still there.
  if mountpoint -q "$work/rootfs/proc"; then
    info "left $work in place: $work/rootfs/proc is still mounted"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
started=$(date +%s)

step "Kernel: downloading $kernel_pkg $kernel_version"
( cd "$work" && apt-get download "$kernel_pkg" >&2 ) || die "apt-get download $kernel_pkg failed"
dpkg -x "$work"/linux-image-*.deb "$work/kernel"
modules_dir=$(echo "$work"/kernel/lib/modules/*)

step "Root file system: debootstrap --variant=minbase $SUITE (from $mirror)"
if ! debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  die "debootstrap failed (last lines above)"
fi
info "$(grep -c '^I: Retrieving' "$work/debootstrap.log") packages installed"

step "Provisioning: scripts/guest/provision.sh --flavor qemu in a chroot (node $NODE_VERSION, npm $NPM_VERSION, code-server $CODE_SERVER_VERSION; minutes)"
mkdir -p "$work/rootfs/tmp/rockpool-provision/gate"
cp "$provision" "$here"/guest/rockpool-* "$work/rootfs/tmp/rockpool-provision/"
cp "$gate"/*.mjs "$work/rootfs/tmp/rockpool-provision/gate/"
# The build trusts what this host trusts (a TLS-inspecting proxy's CA, say), for the build only: the
# bundle is removed with the provisioning files, and the image keeps Debian's own.
cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/tmp/rockpool-provision/host-ca.crt"
# No service starts inside the chroot (qemu-guest-agent's package would start one).
printf '#!/bin/sh\nexit 101\n' > "$work/rootfs/usr/sbin/policy-rc.d"
chmod 0755 "$work/rootfs/usr/sbin/policy-rc.d"
mount -t proc proc "$work/rootfs/proc"
host_ca=/tmp/rockpool-provision/host-ca.crt
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  CURL_CA_BUNDLE="$host_ca" NODE_EXTRA_CA_CERTS="$host_ca" \
  chroot "$work/rootfs" /bin/sh /tmp/rockpool-provision/provision.sh --flavor qemu \
  --files /tmp/rockpool-provision --gate /tmp/rockpool-provision/gate >&2 || die "provision.sh failed in the chroot"
umount "$work/rootfs/proc"
rm -rf "$work/rootfs/tmp/rockpool-provision" "$work/rootfs/usr/sbin/policy-rc.d"
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*

step "Initramfs (busybox and the virtio modules)"
mkdir -p "$work/initramfs"/{bin,dev,proc,sys,newroot,mods}
cp /bin/busybox "$work/initramfs/bin/busybox"
install -m 0755 "$here/guest/initramfs-init" "$work/initramfs/init"
: > "$work/initramfs/mods/order"
for m in $MODULES; do
  file=$(find "$modules_dir" -name "$m.ko*" | head -n1)
  [ -n "$file" ] || { info "module $m is built in or absent; skipping"; continue; }
  case "$file" in
    *.xz) xz -dc "$file" > "$work/initramfs/mods/$m.ko" ;;
    *.zst) zstd -qdc "$file" > "$work/initramfs/mods/$m.ko" ;;
    *) cp "$file" "$work/initramfs/mods/$m.ko" ;;
  esac
  echo "$m" >> "$work/initramfs/mods/order"
done
( cd "$work/initramfs" && find . | busybox cpio -o -H newc 2>/dev/null ) | gzip -9 > "$work/initrd.gz"
cp "$work"/kernel/boot/vmlinuz-* "$work/vmlinuz"

step "Disk image ($IMAGE_SIZE sparse ext4)"
truncate -s "$IMAGE_SIZE" "$work/rootfs.img"
mkfs.ext4 -q -F -L rockpool -d "$work/rootfs" "$work/rootfs.img" >&2

cat > "$work/manifest.json" <<JSON
{
  "suite": "$SUITE",
  "kernelPackage": "$kernel_pkg",
  "kernelVersion": "$kernel_version",
  "node": "$NODE_VERSION",
  "codeServer": "$CODE_SERVER_VERSION",
  "npm": "$NPM_VERSION",
  "inputs": "$inputs",
  "kernelCommandLine": "console=ttyS0 root=/dev/vda rw panic=-1 tsc_early_khz=<host kHz> rockpool.workspace=<name>",
  "guest": { "user": "coder", "gatePort": 8080, "gateSecretInstaller": "/usr/local/sbin/rockpool-gate-secret", "codeServerSocket": "/run/code-server/sock", "address": "10.0.2.15", "guestAgent": "org.qemu.guest_agent.0" },
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
JSON
mkdir -p "$out.tmp"
mv "$work/vmlinuz" "$work/initrd.gz" "$work/rootfs.img" "$work/manifest.json" "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"
info "built in $(( $(date +%s) - started )) s"
echo "$out"
