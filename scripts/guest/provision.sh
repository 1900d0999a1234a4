#!/bin/sh
# Provisions a Debian guest for Rockpool. Runs inside the guest's root (chroot for the QEMU image,
# `tart exec` or ssh for a tart VM) with Node at /usr/local/bin/node and code-server unpacked in
# /opt/code-server already copied in. Usage: provision.sh GATE_DIR, where GATE_DIR is
# packages/guest/src/gate (the gate's *.mjs files) as the guest sees it.
set -eu
gate=${1:?usage: provision.sh path/to/packages/guest/src/gate}
id coder >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash coder
echo 'coder ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/coder
chmod 0440 /etc/sudoers.d/coder
cat > /usr/local/bin/code-server <<'WRAPPER'
#!/bin/sh
exec /usr/local/bin/node /opt/code-server/node_modules/code-server/out/node/entry.js "$@"
WRAPPER
chmod 0755 /usr/local/bin/code-server
# The gate: the only service that answers from outside the guest (see packages/guest/README.md).
mkdir -p /usr/local/lib/rockpool/gate
install -m 0644 "$gate"/*.mjs /usr/local/lib/rockpool/gate/
touch /var/log/code-server.log /var/log/qemu-ga.log /var/log/rockpool-gate.log
chown coder:coder /var/log/code-server.log
# git and shells should look right in the IDE's terminal.
printf '[safe]\n\tdirectory = *\n' > /etc/gitconfig
