#!/bin/sh
# Provisions a Debian guest for Rockpool. Runs inside the guest's root (chroot for the QEMU image,
# `tart exec` or ssh for a tart VM) with Node at /usr/local/bin/node and code-server unpacked in
# /opt/code-server already copied in.
set -eu
id coder >/dev/null 2>&1 || useradd --create-home --uid 1000 --shell /bin/bash coder
echo 'coder ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/coder
chmod 0440 /etc/sudoers.d/coder
cat > /usr/local/bin/code-server <<'WRAPPER'
#!/bin/sh
exec /usr/local/bin/node /opt/code-server/node_modules/code-server/out/node/entry.js "$@"
WRAPPER
chmod 0755 /usr/local/bin/code-server
touch /var/log/code-server.log /var/log/qemu-ga.log
chown coder:coder /var/log/code-server.log
# git and shells should look right in the IDE's terminal.
printf '[safe]\n\tdirectory = *\n' > /etc/gitconfig
