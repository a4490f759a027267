#!/bin/sh
# format.sh -- every C source of the workbook is as `make format` leaves
# it (.clang-format): `make format-check` runs clang-format --dry-run
# -Werror over the same file list as `make format`. A file out of style
# fails this test, named with its first differing line.
set -u
cd "$(dirname "$0")/.." || exit 3
command -v clang-format >/dev/null 2>&1 ||
  { echo "format.sh: clang-format is not installed (make deps)" >&2; exit 3; }
out=$(make --no-print-directory -s format-check 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
  printf '%s\n' "$out" | grep -E '^[^ ].*: (error|warning):' | head -n 10
  echo "format.sh: not as make format leaves them (run make format)"
  exit 1
fi
echo "format.sh: every C source is as make format leaves it"
