#!/bin/sh
# runner-verdicts.sh -- tools/run-tests.sh fails a scenario when it must.
# Each case is one scenario, 98-fake, in a scratch build directory: sync
# and fix builds that pass, and a bug build that is a real Criterion
# program doing one thing, with the scenario tests' report
# (tests/scenario_report.h). Only the bug build that fails reporting its
# invariant violated may pass the runner; one that passes, one that fails
# naming something else, one that reports another invariant, one whose
# message names the invariant but that reports nothing (the runner reads
# the report, not the words), one whose test crashes, one that dies
# without a report must each fail it. In a sanitizer build (SANITIZED=1) a sanitizer's
# report counts as the bug exposed, and fails a build that must pass.
# The runner's exit status is the verdict: nothing else
# runs in the scratch tree. Also: doccheck's counts reach the runner
# through its --json report, and no report is a failure. Run from the
# repository root.
set -u
root=$(pwd)
. "$(dirname "$0")/lib.sh"

# One Criterion program per behaviour, chosen at compile time.
cat >"$T/fake.c" <<'EOF'
#define SCENARIO_ID 98
#ifndef SCENARIO_SLUG
#define SCENARIO_SLUG "fake"
#endif
#include <criterion/criterion.h>
#include <signal.h>

#include "scenario_report.h"

Test(fake, runs) {
#if defined NAMES
  /* Quotes: a report that cannot carry them loses the verdict. */
  scenario_report(1, "fake invariant violated: \"on\" purpose", "lifo",
                  "order:work#1,work#0", NULL, "--requests 2");
  cr_assert(0, "fake invariant violated: \"on\" purpose");
#elif defined OTHER
  cr_assert(0, "bad schedule: on purpose");
#elif defined ANOTHER
  scenario_report(1, "fake invariant violated", NULL, NULL, NULL, NULL);
  cr_assert(0, "fake invariant violated: on purpose");
#elif defined TEXT
  cr_assert(0, "fake invariant violated: on purpose");
#elif defined CRASH
  scenario_report(1, "fake invariant violated", NULL, NULL, NULL, NULL);
  cr_assert(0, "fake invariant violated: on purpose");
#endif
}

#ifdef CRASH
Test(fake, crashes) {
  raise(SIGSEGV);
}
#endif
EOF
cr_libs=$(pkg-config --libs criterion jansson 2>/dev/null ||
  echo -lcriterion -ljansson)
for m in HOLDS NAMES OTHER ANOTHER TEXT CRASH; do
  # ANOTHER: the report names an invariant that is not the scenario's.
  slug=
  [ $m = ANOTHER ] && slug='-DSCENARIO_SLUG="other"'
  # shellcheck disable=SC2086 # cr_libs is a list of flags
  cc -std=c11 -D_GNU_SOURCE -D$m $slug -iquote "$root/tests" -o "$T/$m" \
    "$T/fake.c" $cr_libs ||
    { notok "cannot build the fake Criterion program ($m)"; finish; }
done
printf '#!/bin/sh\nkill -KILL $$\n' >"$T/DIES"
# A sanitizer's report, as one writes it to stderr, after a clean run.
printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: %s" >&2\nexit %s\n' \
  heap-use-after-free 1 >"$T/ASAN"
printf '#!/bin/sh\necho "WARNING: ThreadSanitizer: %s" >&2\nexit %s\n' \
  "data race" 0 >"$T/TSAN0"
chmod +x "$T/DIES" "$T/ASAN" "$T/TSAN0"

# runner BUG [SYNC [SANITIZED]]: the runner's exit status on a tree whose
# 98-fake bug build is $T/BUG, its sync build $T/SYNC (default HOLDS), its
# fix build $T/HOLDS; doc checks left out.
runner() {
  rm -rf "$T/rt"
  mkdir -p "$T/rt/b/tests" "$T/rt/tools"
  # The runner reads the sanitizer patterns from the root it runs in.
  ln -s "$root/tools/sanitizer-report.pat" "$T/rt/tools/"
  cp "$T/${2:-HOLDS}" "$T/rt/b/tests/98-fake-sync"
  cp "$T/HOLDS" "$T/rt/b/tests/98-fake-fix"
  cp "$T/$1" "$T/rt/b/tests/98-fake-bug"
  (cd "$T/rt" && B=b SKIP_DOCS=1 SANITIZED=${3:-0} \
    sh "$root/tools/run-tests.sh") >"$T/out" 2>&1
}

runner NAMES
check "a bug build that fails naming its invariant passes the runner" \
  [ $? -eq 0 ]
for m in HOLDS OTHER ANOTHER TEXT CRASH DIES; do
  case $m in
  HOLDS) what="passes" ;;
  OTHER) what="fails naming another message" ;;
  ANOTHER) what="fails reporting another invariant" ;;
  TEXT) what="names its invariant in a message but reports nothing" ;;
  CRASH) what="names its invariant but has a test that crashes" ;;
  DIES) what="dies without a Criterion report" ;;
  esac
  runner $m
  check "a bug build that $what fails the runner" [ $? -ne 0 ]
done
runner ASAN HOLDS 1
check "SANITIZED=1: a bug build failing with a sanitizer report passes" \
  [ $? -eq 0 ]
runner ASAN
check "a bug build failing with a sanitizer report alone fails the runner" \
  [ $? -ne 0 ]
runner NAMES TSAN0 1
check "SANITIZED=1: a sync build that exits 0 with a report fails the runner" \
  [ $? -ne 0 ]

# doccheck: a fake one writing the report given; the runner must count
# what the report says, and fail a run that writes none.
docrun() {
  rm -rf "$T/rt"
  mkdir -p "$T/rt/b"
  printf '#!/bin/sh\n[ "$2" = --json ] && printf %%s %s >"$3"\nexit 0\n' \
    "'$1'" >"$T/rt/b/doccheck"
  chmod +x "$T/rt/b/doccheck"
  (cd "$T/rt" && B=b SKIP_DOCS=0 SANITIZED=0 \
    sh "$root/tools/run-tests.sh") >"$T/out" 2>&1
}
docrun '{"passed":3,"failed":0,"skipped":1}'
check "doccheck reporting every check passed passes the runner" [ $? -eq 0 ]
docrun '{"passed":3,"failed":1,"skipped":0}'
check "doccheck reporting a failed check fails the runner" [ $? -ne 0 ]
docrun ''
check "doccheck writing no report fails the runner" [ $? -ne 0 ]

finish
