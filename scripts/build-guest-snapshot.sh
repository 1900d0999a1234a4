#!/usr/bin/env bash
# Makes the guest snapshot workspaces are created from (issue 16): boots a guest from the image
# (scripts/build-guest-image.sh) exactly as workspaces boot, waits until code-server answers through
# the gate, and saves its memory, device state and disk beside the image, described by snapshot.json
# (QEMU version, machine, accelerator, CPUs, RAM, image key). Cached per image, QEMU version,
# accelerator, CPUs and RAM: a second run is instant. Needs the worker built (pnpm turbo run build).
# Prints the snapshot directory on stdout; progress goes to stderr.
#   scripts/build-guest-snapshot.sh IMAGE_DIR [--cpus N] [--memory-mib M] [--accel auto|kvm|tcg]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib/common.sh"

image=${1:?usage: build-guest-snapshot.sh IMAGE_DIR [--cpus N] [--memory-mib M] [--accel auto|kvm|tcg]}
shift
[ -f "$image/manifest.json" ] || die "no guest image in $image (run scripts/build-guest-image.sh)"
main="$here/../packages/worker/dist/snapshot-main.js"
[ -f "$main" ] || die "$main is missing: build the packages first (pnpm turbo run build)"
step "Guest snapshot (a booted guest with code-server ready; about 30 s under TCG the first time, instant once cached)"
exec node "$main" --image "$image" "$@"
