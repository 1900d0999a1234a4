# Puts the `rockpool` command on the user's PATH. Source it (after common.sh), then call
# install_rockpool_command; scripts/run.sh does. ROCKPOOL_NO_LINK=1 leaves ~/.local/bin alone.

# Whether a login shell's profile puts ~/.local/bin on PATH (Debian's and Ubuntu's default
# ~/.profile does, when the directory exists at login).
profile_adds_local_bin() {
  local file
  for file in .profile .bash_profile .bash_login .zprofile .zshrc; do
    grep -qs '\.local/bin' "$HOME/$file" && return 0
  done
  return 1
}

# Links ~/.local/bin/rockpool to this checkout's bin/rockpool, and records the Caddy that
# ensure_caddy chose (ROCKPOOL_CADDY_BIN) as $(rockpool_cache_dir)/caddy/current for it.
install_rockpool_command() {
  if [ -n "${ROCKPOOL_CADDY_BIN:-}" ]; then
    mkdir -p "$(rockpool_cache_dir)/caddy"
    ln -sfn "$ROCKPOOL_CADDY_BIN" "$(rockpool_cache_dir)/caddy/current"
  fi
  [ "${ROCKPOOL_NO_LINK:-}" = 1 ] && return 0
  local dir="$HOME/.local/bin" target="$ROCKPOOL_ROOT/bin/rockpool"
  local link="$dir/rockpool"
  if [ -e "$link" ] && [ ! -L "$link" ]; then
    info "$link exists and is not a link: left as it is; this checkout's command is $target"
    return 0
  fi
  if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
    mkdir -p "$dir"
    ln -sfn "$target" "$link"
    step "Installed the rockpool command: $link -> $target"
  fi
  case ":$PATH:" in
    *":$dir:"*) ;;
    *)
      if profile_adds_local_bin; then
        info "$dir is not on this shell's PATH yet; your shell profile adds it at login. Open a new"
        info "login shell (or log in again), or in this one: export PATH=\"\$HOME/.local/bin:\$PATH\""
      else
        info "$dir is not on your PATH. Add it in your shell's profile (~/.profile; ~/.zprofile for zsh):"
        info "  echo 'export PATH=\"\$HOME/.local/bin:\$PATH\"' >> ~/.profile"
      fi
      ;;
  esac
}
