# table-lib.sh -- what the measured-table scripts (gallery-table.sh,
# heisenbug-table.sh) share, sourced by them: their command line, their
# scratch directory, and writing a table into its chapter between two
# marker lines. Not a program.

# table_args PROG "$@": --write sets write=1; --help prints the script's
# header comment (its lines 2.. up to the first line that is no comment)
# and exits 0; anything else exits 2 with a message naming PROG.
table_args() {
  prog=$1
  shift
  write=0
  case ${1:-} in
  --write) write=1 ;;
  --help | -h)
    sed -n '2,${/^#/!q;p;}' "$0" | sed 's/^# \{0,1\}//'
    exit 0 ;;
  "") ;;
  *) echo "$prog: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
}

# table_tmp NAME: a fresh directory in $tmp under $TMPDIR (default /tmp),
# removed when the script exits; a signal ends the script with 128 + its
# number.
table_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 3
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 141' PIPE
}

# table_write CHAPTER BEGIN END TABLE: replaces what stands between the
# line BEGIN and the line END of CHAPTER with the file TABLE. Returns 1,
# and changes nothing, when CHAPTER lacks either line.
table_write() {
  grep -qxF "$2" "$1" && grep -qxF "$3" "$1" || return 1
  awk -v b="$2" -v e="$3" -v t="$4" '
    $0 == b { print; while ((getline l < t) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' "$1" >"$tmp/chapter" && cat "$tmp/chapter" >"$1"
}
