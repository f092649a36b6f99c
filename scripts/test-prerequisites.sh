#!/usr/bin/env bash
# Runs before `npm test`: the end-to-end suites drive Debian's Chromium and start a throwaway MariaDB. On a machine
# where we are root with apt-get they are installed when missing; elsewhere we say what to install.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium-headless-shell ] || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium-headless-shell)
command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test prerequisites: installing ${missing[*]} from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run npm test again." >&2
  exit 1
fi
