# lib.sh -- what the test scripts share; not a test itself. A script
# sources it as
#
#   . "$(dirname "$0")/lib.sh"     (or . tests/lib.sh after cd to the root)
#
# (the script's file name names it in messages and its temporary
# directory; POSIX `.` takes no arguments) and gets:
#
#   $T            a private temporary directory under $TMPDIR, removed on
#                 exit however the script ends
#   cleanup       a hook the script may define after sourcing: it runs on
#                 exit, before $T is removed (stop helpers, remove files
#                 made outside $T)
#   ok MSG, notok MSG
#                 one numbered TAP line each; notok counts a failure
#   skip WHY      a numbered TAP skip: a check that could not run here
#   check MSG CMD...
#                 ok MSG when CMD succeeds, notok MSG otherwise
#   finish [MSG]  the tally (or MSG, when nothing failed); exits 1 when
#                 anything failed, else 0
#   jv FILTER FILE
#                 a value from a JSON file (jq -r FILTER): tools talk JSON,
#                 and tests read it as JSON, never by matching its text
#   need FILE...  the programs the script runs: one that is not an
#                 executable file is a setup failure (exit 3), named
#   quote FILE [N]
#                 FILE (its first N lines), indented under the TAP line
#                 before it: what a failed check saw
#   refused PATTERN MSG -- CMD...
#                 CMD (under timeout 60, TMPDIR=$T) is bad input: it exits 2
#                 and its stderr, left in $T/err, matches PATTERN (grep -E);
#                 ok MSG, else notok MSG with that stderr
#   replay_fails WHAT LINE
#                 LINE, the replay command a tool printed for its reader
#                 to paste, is there and fails again when run (exit 1)
#
# A signal ends the script with the shell's code for it (INT 130, HUP 129,
# TERM 143, PIPE 141), through the EXIT trap, so nothing is left behind.
# Exit 3 when the temporary directory cannot be made: a setup failure.

LIB_NAME=${0##*/}
T=$(mktemp -d "${TMPDIR:-/tmp}/$LIB_NAME.XXXXXX") || {
  echo "$LIB_NAME: cannot make a temporary directory" >&2
  exit 3
}
LIB_N=0
LIB_FAILS=0

cleanup() { :; }
lib_exit() {
  cleanup
  rm -rf "$T"
}
trap lib_exit EXIT
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 143' TERM
trap 'exit 141' PIPE

ok() {
  LIB_N=$((LIB_N + 1))
  echo "ok $LIB_N - $1"
}
notok() {
  LIB_N=$((LIB_N + 1))
  LIB_FAILS=$((LIB_FAILS + 1))
  echo "not ok $LIB_N - $1"
}
skip() {
  LIB_N=$((LIB_N + 1))
  echo "ok $LIB_N - # SKIP $1"
}
check() {
  lib_msg=$1
  shift
  if "$@"; then ok "$lib_msg"; else notok "$lib_msg"; fi
}
finish() {
  if [ "$LIB_FAILS" -gt 0 ]; then
    echo "$LIB_NAME: $LIB_FAILS of $LIB_N checks failed"
    exit 1
  fi
  echo "$LIB_NAME: ${1:-all $LIB_N checks passed}"
  exit 0
}
jv() {
  jq -r "$1" "$2"
}
need() {
  for lib_f in "$@"; do
    [ -x "$lib_f" ] && [ -f "$lib_f" ] && continue
    echo "$LIB_NAME: $lib_f is missing (make)" >&2
    exit 3
  done
}
quote() {
  if [ $# -gt 1 ]; then
    sed 's/^/    | /' "$1" | head -n "$2"
  else
    sed 's/^/    | /' "$1"
  fi
}
refused() {
  lib_pat=$1 lib_msg=$2
  shift 3
  TMPDIR=$T timeout 60 "$@" >"$T/out" 2>"$T/err"
  lib_rc=$?
  if [ "$lib_rc" -eq 2 ] && grep -qE -- "$lib_pat" "$T/err"; then
    ok "$lib_msg"
  else
    notok "$lib_msg"
    echo "exit $lib_rc, wanted 2 and stderr matching: $lib_pat" >>"$T/err"
    quote "$T/err" 15
  fi
}
replay_fails() {
  if [ -z "$2" ]; then
    notok "$1: no replay line"
    return
  fi
  sh -c "$2" >/dev/null 2>&1
  lib_rc=$?
  if [ "$lib_rc" -eq 1 ]; then
    ok "$1: the replay fails again"
  else
    notok "$1: the replay '$2' exits $lib_rc, want 1"
  fi
}
