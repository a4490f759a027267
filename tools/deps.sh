#!/bin/sh
# deps.sh -- installs the Debian packages the workbook needs when they are
# missing: with apt-get as root, through sudo otherwise, or, when neither is
# possible, prints the exact command and exits 2.
# Usage: tools/deps.sh PACKAGE...
set -u
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for lib in libuv:libuv1-dev criterion:libcriterion-dev jansson:libjansson-dev; do
  pc=${lib%%:*}
  deb=${lib#*:}
  if ! pkg-config --exists "$pc" 2>/dev/null; then
    missing="$missing $deb"
  fi
done
[ -z "$missing" ] && exit 0
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
  run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run="sudo"
else
  echo "deps: cannot install without root; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$run apt-get update -q && $run apt-get install -y -q $missing || {
  echo "deps: apt-get failed; install by hand:$missing" >&2
  exit 3
}
