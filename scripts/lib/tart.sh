# shellcheck shell=bash
# macOS (tart) helpers for scripts/run.sh (through prepare.sh) and scripts/build-tart-image.sh.
# Needs common.sh. Read-only: nothing here asks for sudo.

# The plist and the command of tart's FAQ ("DHCP lease time"); the same in README.md and tart-host.ts.
TART_BOOTPD_PLIST=/Library/Preferences/SystemConfiguration/com.apple.InternetSharing.default.plist

# Warns when macOS's DHCP server (bootpd) leases VM addresses for its default day: every workspace
# clone has a new MAC and holds its own lease, so about 253 new workspaces a day exhaust the /24.
# softnet, where the worker uses it, sets the lease time to 600 s each time it starts.
tart_check_dhcp_lease() {
  local out secs
  out=$(defaults read "$TART_BOOTPD_PLIST" bootpd 2>/dev/null || true)
  secs=$(printf '%s\n' "$out" | sed -n 's/.*DHCPLeaseTimeSecs = "\{0,1\}\([0-9][0-9]*\)"\{0,1\};.*/\1/p' | head -n1)
  secs=${secs:-86400}
  [ "$secs" -lt 86400 ] && return 0
  printf '\033[1;33mwarning:\033[0m %s\n' \
    "macOS's DHCP server leases each tart VM's address for $secs s: about 253 new workspaces a day exhaust its pool." \
    "  Shorten it once (tart's FAQ; lasts across reboots):" \
    "  sudo defaults write $TART_BOOTPD_PLIST bootpd -dict DHCPLeaseTimeSecs -int 600" >&2
}
