#!/bin/sh
# preload-pin.sh -- SCHED_PIN: with SCHED_PIN=1 the shim runs the scheduled
# process on one CPU, as SCHED_BATCH, and a forked child (which carries on
# unscheduled) gets back the CPUs and the policy the process had; without
# it (the default) the process keeps what it was given; a bad value is
# refused (exit 2); a pinned run takes the same schedule as an unpinned one.
set -u
cd "$(dirname "$0")/.." || exit 3
B=${B:-build}
SHIM=$PWD/$B/libsched-preload.so
PRIMS=$B/tests/progs/preload_prims
# $T, removed on exit; ok, notok, skip and finish.
. tests/lib.sh
need "$SHIM" "$PRIMS"

# cpus_of WHO: the CPU list and policy a shell process reports for itself
# (WHO=self) and for a subshell it forks (WHO=child), under the shim.
probe='grep Cpus_allowed_list /proc/$$/status | cut -f2
grep "^policy" /proc/$$/sched | tr -dc 0-9; echo
(while read -r l; do case $l in Cpus_allowed_list*) echo "${l#*:}" | tr -d " \t";; esac; done) </proc/self/status'
given=$(grep Cpus_allowed_list /proc/self/status | cut -f2)
policy=$(grep "^policy" /proc/self/sched | tr -dc 0-9)
out=$(SCHED_PIN=1 SCHED=random:1 LD_PRELOAD=$SHIM sh -c "$probe") || out=
set -- $out
if [ "$(getconf _NPROCESSORS_ONLN)" -lt 2 ]; then
  skip "SCHED_PIN=1: one CPU, nothing to pin"
elif [ $# -eq 3 ] && [ "$1" != "$given" ] && [ "${1#*[,-]}" = "$1" ] &&
  [ "$2" = 3 ] && [ "$3" = "$given" ]; then
  ok "SCHED_PIN=1: the process runs on CPU $1 as SCHED_BATCH; its forked child on $3 again"
else
  notok "SCHED_PIN=1: want one CPU (of $given), policy 3, child on $given; got '$out'"
fi
out=$(SCHED=random:1 LD_PRELOAD=$SHIM sh -c "$probe") || out=
set -- $out
if [ $# -eq 3 ] && [ "$1" = "$given" ] && [ "$2" = "$policy" ]; then
  ok "SCHED_PIN unset: the process keeps CPUs $given and policy $policy"
else
  notok "SCHED_PIN unset: want CPUs $given, policy $policy; got '$out'"
fi
SCHED_PIN=yes SCHED=random:1 LD_PRELOAD=$SHIM /bin/true 2>/dev/null
rc=$?
[ $rc -eq 2 ] && ok "SCHED_PIN=yes is refused (exit 2)" ||
  notok "SCHED_PIN=yes: exit $rc, want 2"
# The schedule each took, from its SCHED_REPORT: spec, steps, trace.
took() {
  rm -f "$T/report"
  SCHED_REPORT=$T/report SCHED=random:7 LD_PRELOAD=$SHIM $PRIMS \
    >/dev/null 2>&1 &&
    jq -r 'select(.exact) | "\(.spec) (\(.steps) steps, trace \(.trace))"' \
      "$T/report"
}
a=$(took)
b=$(SCHED_PIN=1 took)
if [ -n "$a" ] && [ "$a" = "$b" ]; then
  ok "preload_prims random:7 takes one schedule pinned or not: $a"
else
  notok "preload_prims random:7: unpinned '$a', pinned '$b'"
fi
finish
