#!/usr/bin/env python3
"""corpus-table.py -- the acceptance corpus, measured: for every bug in
tests/progs/corpus.list and every strategy, the failures in N runs with
their 95% Wilson interval and the run of the first failure, beside natural
runs (no scheduler at all); the replay of each first failure from its
schedule; the cost against natural runs; and the correct twins and the
correct programs, which must never fail. Run by `make bench`.

Rows at the memory level run their build/schedcc build under the shim (the
plain build in the natural column); rows at the pthread level run the
unmodified program. Every figure comes from build/hunt's --json summary.

usage: tools/instruments/corpus-table.py [--runs N] [--replays K] [--max-time SEC]
                             [--timeout SEC] [--rows A,B,...] [--write]
  --runs N        runs per cell (default 1000)
  --replays K     reruns of each first failure from its schedule (default
                  100; 0: none)
  --max-time SEC  a cell stops after SEC seconds (default 120): its run
                  count says how many it took
  --timeout SEC   per run; a run still going is a hang (default 5)
  --rows LIST     only these rows of corpus.list (names, comma-separated)
  --seed S        hunt's base seed for every cell (default: hunt's own), so
                  that the scheduled cells are the same runs each time
  --write         also put the table into chapters/22-hunting.md, into
                  the block after the corpus-table marker
exit status: 0 the table was made and every twin and correct program was
clean; 1 a twin or correct program failed (a false alarm; a bug that no
strategy found is counted in the last lines, not here); 2 usage; 3 setup
(a program or the shim missing, a build that failed, a hunt that could
not run)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIST = "tests/progs/corpus.list"
PROGS = "build/tests/progs"
HUNT = "build/hunt"
SHIM = "build/libsched-preload.so"
SCHEDCC = "build/schedcc"
CHAPTER = "chapters/22-hunting.md"
MARK = "<!-- corpus-table -->"
CORRECT = ["correct_cancel", "correct_exit", "correct_many",
           "correct_primitives", "correct_thread_exit"]


def die(code, msg):
    print("corpus-table: " + msg, file=sys.stderr)
    sys.exit(code)


def read_list():
    rows = []
    with open(LIST) as f:
        for n, line in enumerate(f, 1):
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if len(w) < 3 or w[1] not in ("memory", "pthread"):
                die(2, "%s:%d: want NAME memory|pthread PROGRAM [ARGS]"
                    % (LIST, n))
            rows.append({"name": w[0], "level": w[1], "prog": w[2],
                         "args": w[3:]})
    return rows


def hunt(tmp, argv, opts, schedule=None, strategy=None, runs=None):
    """Runs build/hunt on argv; returns its JSON summary."""
    out = os.path.join(tmp, "hunt.json")
    cmd = [HUNT, "--quiet", "--count-all", "--json", out,
           "--runs", str(runs or opts["runs"]),
           "--timeout", str(opts["timeout"]),
           "--max-time", str(opts["max_time"])]
    if opts["seed"] is not None and not schedule:
        cmd += ["--seed", str(opts["seed"])]
    if schedule:
        cmd += ["--preload", "--schedule", schedule]
    elif strategy != "natural":
        cmd += ["--preload", "--perturb", strategy]
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run(cmd + ["--"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1) or not os.path.exists(out):
        die(3, "hunt could not run %s (exit %d): %s"
            % (" ".join(cmd + ["--"] + argv), r.returncode,
               r.stderr.strip().splitlines()[-1:]))
    with open(out) as f:
        return json.load(f)


def cell(j):
    ff = j["first_failure"]
    first = ff["run"] + 1 if ff else 0
    lo, hi = j["ci95"]
    return "%d/%d [%.1f-%.1f%%] @%d" % (j["failures"], j["runs"],
                                        100 * lo, 100 * hi, first)


def shim_facts():
    """What the shim is: its source commit and whether it exports the
    schedule point the instrumented programs call."""
    def git(*a):
        r = subprocess.run(["git"] + list(a), capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""
    # As a date and a count, which keep the table's shape from one shim
    # version to the next (the chapter's block is shape-checked).
    when = git("log", "-1", "--format=%cd", "--date=format:%Y-%m-%d %H:%M",
               "--", "tools/runtime/preload")
    dirty = git("status", "--porcelain", "--", "tools/runtime/preload")
    r = subprocess.run(["nm", "-D", "--defined-only", SHIM],
                       capture_output=True, text=True)
    point = any(l.split()[-1:] == ["dsched_preload_point"]
                for l in r.stdout.splitlines())
    src = "tools/runtime/preload committed %s, %d files changed since" % (
        when or "0000-00-00 00:00", len(dirty.splitlines()))
    return src, point


def probe(strategy):
    """Whether hunt and the shim take this strategy: every column is
    measured, none is left out quietly."""
    r = subprocess.run([HUNT, "--quiet", "--preload", "--perturb", strategy,
                        "--runs", "1", "--", os.path.join(PROGS,
                                                          "correct_many")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode in (0, 1)


def main():
    a = sys.argv[1:]
    opts = {"runs": 1000, "replays": 100, "max_time": 120, "timeout": 5,
            "rows": None, "write": False, "seed": None}
    while a:
        o = a.pop(0)
        if o in ("--help", "-h"):
            print(__doc__.split("\n\n", 2)[2].rstrip())
            return 0
        if o == "--write":
            opts["write"] = True
            continue
        key = {"--runs": "runs", "--replays": "replays",
               "--max-time": "max_time", "--timeout": "timeout",
               "--rows": "rows", "--seed": "seed"}.get(o)
        if key is None or not a:
            die(2, "unknown option or missing value: '%s' (try --help)" % o)
        v = a.pop(0)
        if key == "rows":
            opts[key] = v.split(",")
            continue
        if not v.isdigit() or (int(v) < 1 and key not in ("replays",
                                                          "seed")):
            die(2, "%s wants a whole number, got '%s'" % (o, v))
        opts[key] = int(v)

    if opts["write"] and opts["rows"]:
        die(2, "--write puts the whole table into the chapter: not with "
            "--rows")
    os.chdir(ROOT)
    for f in (HUNT, SHIM, SCHEDCC):
        if not os.path.exists(f):
            die(3, "%s is missing (run make first)" % f)
    rows = read_list()
    if opts["rows"]:
        unknown = set(opts["rows"]) - {r["name"] for r in rows}
        if unknown:
            die(2, "no such row in %s: %s" % (LIST, ", ".join(sorted(unknown))))
        rows = [r for r in rows if r["name"] in opts["rows"]]
    for r in rows:
        for p in (r["prog"], r["prog"] + "_ok"):
            if not os.path.exists(os.path.join(PROGS, p)):
                die(3, "%s/%s is missing (run make first)" % (PROGS, p))

    strategies = ["natural", "random", "pct:3", "pos"]
    for s in strategies[1:]:
        if not probe(s):
            die(3, "build/hunt --preload --perturb %s does not run "
                "(hunt or the shim too old?)" % s)
    src, point = shim_facts()

    tmp = tempfile.mkdtemp(prefix="corpus-table.",
                           dir=os.environ.get("TMPDIR", "/tmp"))
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(143))
    try:
        return run(opts, rows, strategies, src, point, tmp)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader is gone (a pager, head): no traceback, no flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_instrumented(tmp, prog):
    """The schedcc build of tests/progs/PROG.c and of its twin."""
    out = {}
    for twin, flag in (("", []), ("_ok", ["-DOK"])):
        exe = os.path.join(tmp, prog + twin)
        r = subprocess.run([SCHEDCC, "-std=c11", "-D_GNU_SOURCE", "-O2", "-g"]
                           + flag + ["tests/progs/%s.c" % prog, "-o", exe],
                           capture_output=True, text=True)
        if r.returncode != 0:
            die(3, "build/schedcc could not build %s: %s"
                % (prog, r.stderr.strip()))
        out[twin] = exe
    return out


def run(opts, rows, strategies, src, point, tmp):
    inst = {}
    for r in rows:
        if r["level"] == "memory" and r["prog"] not in inst:
            inst[r["prog"]] = build_instrumented(tmp, r["prog"])

    def argv(r, twin, strategy):
        if r["level"] == "memory" and strategy != "natural":
            return [inst[r["prog"]][twin]] + r["args"]
        return [os.path.join(PROGS, r["prog"] + twin)] + r["args"]

    lines = []

    def say(s):
        print(s, flush=True)
        lines.append(s)

    w = 26
    say("corpus table: %d runs per cell at most (hunt --count-all, "
        "--timeout %d, --max-time %d per cell)" % (opts["runs"],
                                                  opts["timeout"],
                                                  opts["max_time"]))
    say("shim: %s; dsched_preload_point exported: %s" %
        (src, "yes" if point else "no (memory rows run unscheduled)"))
    say("cell: failures/runs [95% Wilson interval] @run of the first "
        "failure (@0: none)")
    say("replay: first failures rerun %d times each from their schedule "
        "(hunt --schedule), failing/rerun" % opts["replays"])
    say("cost: wall time per run of a twin's cell against its natural "
        "cell, same run (%s)" % ", ".join(strategies[1:]))
    say("%-20s %-7s " % ("bug", "level") + "".join(
        "%-*s " % (w, s) for s in strategies) + "replay")
    status, nfound, all_f, all_n, alarms = 0, 0, 0, 0, 0
    for r in rows:
        cells, rep_f, rep_n, found = [], 0, 0, False
        for s in strategies:
            j = hunt(tmp, argv(r, "", s), opts, strategy=s)
            cells.append(cell(j))
            ff = j["first_failure"]
            if ff:
                found = True
            if ff and s != "natural" and opts["replays"] > 0:
                spec = ("random:%d" % ff["seed"] if s == "random" else
                        "%s:%d%s" % (s.split(":")[0], ff["seed"],
                                     s[len(s.split(":")[0]):]))
                k = hunt(tmp, argv(r, "", s), opts, schedule=spec,
                         runs=opts["replays"])
                rep_f += k["failures"]
                rep_n += k["runs"]
        nfound += found
        all_f += rep_f
        all_n += rep_n
        say("%-20s %-7s " % (r["name"], r["level"]) + "".join(
            "%-*s " % (w, c) for c in cells) + "%d/%d" % (rep_f, rep_n))
    say("%-20s %-7s " % ("correct twin", "level") + "".join(
        "%-*s " % (w, s) for s in strategies) + "cost")
    twins = [(r["name"] + " ok", r, "_ok") for r in rows]
    twins += [(c, {"level": "pthread", "prog": c, "args": []}, "")
              for c in (CORRECT if not opts["rows"] else [])]
    for name, r, twin in twins:
        cells, cost, natural_t = [], [], None
        for s in strategies:
            j = hunt(tmp, argv(r, twin, s), opts, strategy=s)
            if j["failures"]:
                status = 1
                alarms += 1
            cells.append(cell(j))
            t = j["elapsed_s"] / max(j["runs"], 1)
            if s == "natural":
                natural_t = t
            else:
                cost.append("%.1fx" % (t / natural_t))
        say("%-20s %-7s " % (name, r["level"]) +
            "".join("%-*s " % (w, c) for c in cells) + " ".join(cost))
    say("bugs found by some strategy: %d of %d; replays that failed again: "
        "%d of %d" % (nfound, len(rows), all_f, all_n))
    say("false alarms (cells where a twin or correct program failed): %d"
        % alarms)
    if opts["write"]:
        write_chapter(lines)
    return status


def write_chapter(lines):
    """Replaces the text of the fenced block that follows MARK."""
    with open(CHAPTER) as f:
        text = f.read().split("\n")
    try:
        at = text.index(MARK)
        open_ = next(i for i in range(at + 1, len(text))
                     if text[i].startswith("```"))
        close = next(i for i in range(open_ + 1, len(text))
                     if text[i].startswith("```"))
    except (ValueError, StopIteration):
        die(3, "%s: no fenced block after the line '%s'" % (CHAPTER, MARK))
    text[open_ + 1:close] = [l.rstrip() for l in lines]
    with open(CHAPTER + ".tmp", "w") as f:
        f.write("\n".join(text))
    os.replace(CHAPTER + ".tmp", CHAPTER)


if __name__ == "__main__":
    sys.exit(main())
