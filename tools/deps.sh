#!/bin/sh
# deps.sh -- installs the Debian packages the workbook needs when they are
# missing, from the one list of them, tools/deps.list: with apt-get as root,
# through sudo otherwise, or, when neither is possible, prints the exact
# command and exits 2.
usage="usage: tools/deps.sh [--check] [--optional] [--list]
Installs what tools/deps.list says the make targets need and is missing.
  --check     install nothing: list what is missing, exit 1 if any of it is
              required
  --optional  also install the optional lines (chromium, clang-format)
  --list      print the list as 'CHECK PACKAGE [optional]' lines
Exit status: 0 nothing required is missing (any more), 1 something is
missing (--check), 2 usage error or no way to install, 3 apt-get failed."
set -u
list=$(dirname "$0")/deps.list
check=0 optional=0 print=0
for a in "$@"; do
  case $a in
  --check) check=1 ;;
  --optional) optional=1 ;;
  --list) print=1 ;;
  -h | --help) echo "$usage"; exit 0 ;;
  *) echo "deps: unknown option '$a'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done
[ -r "$list" ] || { echo "deps: cannot read $list" >&2; exit 3; }

# present CHECK: whether the program is on PATH, pkg-config finds the
# library (pc:MODULE), or the file exists (file:PATH, for a library that
# ships no .pc file). Without pkg-config every pc: line counts as missing, and its
# package is installed along with pkg-config: harmless if it was there.
present() {
  case $1 in
  pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
  file:*) [ -e "${1#file:}" ] ;;
  *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing="" later="" n=0
while read -r what pkg rest; do
  n=$((n + 1))
  case $what in '' | '#'*) continue ;; esac
  case $pkg in '' | '#'*)
    echo "deps: $list:$n: '$what' names no package" >&2
    exit 2 ;;
  esac
  opt=0
  case ${rest%%#*} in optional*) opt=1 ;; esac
  if [ "$print" = 1 ]; then
    if [ "$opt" = 1 ]; then echo "$what $pkg optional"; else echo "$what $pkg"; fi
    continue
  fi
  present "$what" && continue
  if [ "$opt" = 1 ] && [ "$optional" = 0 ]; then
    later="$later $pkg"
  else
    case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
  fi
done <"$list"
[ "$print" = 1 ] && exit 0

[ -n "$later" ] &&
  echo "deps: optional, not installed:$later (tools/deps.sh --optional installs them)"
[ -z "$missing" ] && exit 0
echo "deps: missing Debian packages:$missing"
[ "$check" = 1 ] && exit 1
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
# shellcheck disable=SC2086 # $missing is a list of package names
$run apt-get update -q && $run apt-get install -y -q $missing || {
  echo "deps: apt-get failed; install by hand:$missing" >&2
  exit 3
}
