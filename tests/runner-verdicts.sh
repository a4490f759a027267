#!/bin/sh
# runner-verdicts.sh -- tools/run-tests.sh fails a scenario when it must.
# Each case is one scenario, 98-fake, in a scratch build directory: sync
# and fix builds that pass, and a bug build that is a real Criterion
# program doing one thing. Only the bug build that fails naming its
# invariant may pass the runner; one that passes, one that fails naming
# something else, one whose test crashes, one that dies without a report
# must each fail it. The runner's exit status is the verdict: nothing else
# runs in the scratch tree. Also: doccheck's counts reach the runner
# through its --json report, and no report is a failure. Run from the
# repository root.
set -u
root=$(pwd)
. "$(dirname "$0")/lib.sh"

# One Criterion program per behaviour, chosen at compile time.
cat >"$T/fake.c" <<'EOF'
#include <criterion/criterion.h>
#include <signal.h>

Test(fake, runs) {
#if defined NAMES
  cr_assert(0, "fake invariant violated: on purpose");
#elif defined OTHER
  cr_assert(0, "bad schedule: on purpose");
#elif defined CRASH
  cr_assert(0, "fake invariant violated: on purpose");
#endif
}

#ifdef CRASH
Test(fake, crashes) {
  raise(SIGSEGV);
}
#endif
EOF
cr_libs=$(pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
for m in HOLDS NAMES OTHER CRASH; do
  # shellcheck disable=SC2086 # cr_libs is a list of flags
  cc -std=c11 -D$m -o "$T/$m" "$T/fake.c" $cr_libs ||
    { notok "cannot build the fake Criterion program ($m)"; finish; }
done
printf '#!/bin/sh\nkill -KILL $$\n' >"$T/DIES"
chmod +x "$T/DIES"

# runner BUG: the runner's exit status on a tree whose 98-fake bug build
# is $T/BUG (sync and fix hold), doc checks left out.
runner() {
  rm -rf "$T/rt"
  mkdir -p "$T/rt/b/tests"
  cp "$T/HOLDS" "$T/rt/b/tests/98-fake-sync"
  cp "$T/HOLDS" "$T/rt/b/tests/98-fake-fix"
  cp "$T/$1" "$T/rt/b/tests/98-fake-bug"
  (cd "$T/rt" && B=b SKIP_DOCS=1 sh "$root/tools/run-tests.sh") \
    >"$T/out" 2>&1
}

runner NAMES
check "a bug build that fails naming its invariant passes the runner" \
  [ $? -eq 0 ]
for m in HOLDS OTHER CRASH DIES; do
  case $m in
  HOLDS) what="passes" ;;
  OTHER) what="fails naming another message" ;;
  CRASH) what="names its invariant but has a test that crashes" ;;
  DIES) what="dies without a Criterion report" ;;
  esac
  runner $m
  check "a bug build that $what fails the runner" [ $? -ne 0 ]
done

# doccheck: a fake one writing the report given; the runner must count
# what the report says, and fail a run that writes none.
docrun() {
  rm -rf "$T/rt"
  mkdir -p "$T/rt/b"
  printf '#!/bin/sh\n[ "$2" = --json ] && printf %%s %s >"$3"\nexit 0\n' \
    "'$1'" >"$T/rt/b/doccheck"
  chmod +x "$T/rt/b/doccheck"
  (cd "$T/rt" && B=b sh "$root/tools/run-tests.sh") >"$T/out" 2>&1
}
docrun '{"passed":3,"failed":0,"skipped":1}'
check "doccheck reporting every check passed passes the runner" [ $? -eq 0 ]
docrun '{"passed":3,"failed":1,"skipped":0}'
check "doccheck reporting a failed check fails the runner" [ $? -ne 0 ]
docrun ''
check "doccheck writing no report fails the runner" [ $? -ne 0 ]

finish
