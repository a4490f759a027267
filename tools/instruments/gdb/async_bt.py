# async_bt.py -- gdb commands that show the logical (async) stack of a
# program that logs with corrlog: `async-bt`, the chain of operations the
# current thread works for, and `async-ops`, every operation begun and not
# ended. Load it in gdb with:
#
#   source tools/instruments/gdb/async_bt.py
#
# The stack gdb's `bt` shows is the machine's: in a callback it starts at
# uv_run or at a pool thread's start routine, and the code that asked for
# the work is gone from it. corrlog remembers, for each operation, where it
# was begun and handed off and who its parent is; these commands read that
# memory straight from the stopped program, so they work at any breakpoint
# and in a core file, with no help from the program.
#
# The data contract is the comment above struct corrlog_live in
# tools/runtime/corrlog/corrlog.h (the live_ops snippet): the global
# corrlog__live_ops (slot[], count, missed, lock), the thread-local
# corrlog__current, and the corrlog_op fields named there. Nothing else of
# corrlog's is read. tests/gdb-sessions.sh checks both commands.

import time

import gdb

LIVE = "corrlog__live_ops"
CURRENT = "corrlog__current"
# A parent chain longer than this is a cycle in a corrupted registry.
MAX_DEPTH = 64


def _fail(cmd, msg):
    raise gdb.GdbError("%s: %s" % (cmd, msg))


def _running(cmd):
    inf = gdb.selected_inferior()
    if inf is None or inf.pid == 0 or gdb.selected_thread() is None:
        _fail(cmd, "the program is not running (start it, or stop it at a "
                   "breakpoint first)")


def _eval(cmd, name):
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        _fail(cmd, "the program has no %s: it does not log with corrlog, or "
                   "was built before corrlog kept a registry of live "
                   "operations (see tools/runtime/corrlog/corrlog.h)" % name)


def _str(v):
    """A const char * field as text; None for NULL."""
    try:
        if int(v) == 0:
            return None
        return v.string(errors="replace")
    except gdb.MemoryError:
        return "<unreadable %#x>" % int(v)


def _thread_label(th):
    if len(gdb.inferiors()) > 1:
        return "%d.%d" % (th.inferior.num, th.num)
    return "%d" % th.num


class Op:
    """The fields of one corrlog_op that the contract lets us read."""

    def __init__(self, ptr):
        op = ptr.dereference()
        self.addr = int(ptr)
        self.id = int(op["id"])
        self.parent = int(op["parent"])
        self.parent_op = int(op["parent_op"])
        self.kind = _str(op["kind"]) or "op"
        origin, handoff = op["origin"], op["handoff"]
        self.file = _str(origin["file"]) or "?"
        self.line = int(origin["line"])
        self.func = _str(origin["func"]) or "?"
        self.ret = int(origin["ret"])
        self.hfile = _str(handoff["file"])
        self.hline = int(handoff["line"])
        self.hfunc = _str(handoff["func"]) or "?"
        self.begin_ns = int(op["begin_ns"])
        self.last_ev = _str(op["last_ev"]) or "?"
        self.seq = int(op["seq"])

    def title(self):
        return "%s %016x" % (self.kind, self.id)


class Registry:
    """A snapshot of corrlog__live_ops: the live ops by address."""

    def __init__(self, cmd):
        live = _eval(cmd, LIVE)
        slots = live["slot"]
        lo, hi = slots.type.range()
        n = hi - lo + 1
        ptrsize = gdb.lookup_type("void").pointer().sizeof
        order = "big" if "big" in gdb.execute("show endian",
                                                to_string=True) else "little"
        raw = bytes(gdb.selected_inferior().read_memory(
            int(slots.address), n * ptrsize))
        optr = gdb.lookup_type("corrlog_op").pointer()
        self.ops = {}
        for i in range(n):
            a = int.from_bytes(raw[i * ptrsize:(i + 1) * ptrsize], order)
            if a:
                self.ops[a] = Op(gdb.Value(a).cast(optr))
        self.count = int(live["count"])
        self.missed = int(live["missed"])
        self.locked = int(live["lock"]) != 0
        self.optr = optr

    def parent_of(self, op):
        """op's parent when it is live (listed, with the id op names)."""
        p = self.ops.get(op.parent_op)
        return p if p is not None and p.id == op.parent else None

    def warnings(self, cmd):
        out = []
        if self.locked:
            out.append("%s: note: a thread was changing the registry when "
                       "the program stopped; one operation may be missing or "
                       "stale" % cmd)
        if not self.locked and self.count != len(self.ops):
            out.append("%s: note: the registry counts %d operations but "
                       "lists %d" % (cmd, self.count, len(self.ops)))
        if self.missed:
            out.append("%s: note: %d more operations were begun while the "
                       "registry was full: live, but not listed"
                       % (cmd, self.missed))
        return out


def _now_ns():
    # corrlog stamps begin_ns with CLOCK_MONOTONIC, one clock for every
    # process on the machine; the age includes any time spent stopped.
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def _age(op):
    return "%.3f ms" % ((_now_ns() - op.begin_ns) / 1e6)


def _caller(op):
    """Where the beginner was called from, when gdb can say more than the
    origin does: the function and line of the return address."""
    if not op.ret:
        return None
    pc = op.ret - 1  # inside the call instruction, not after it
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        return "%#x" % op.ret
    name = block.function.name
    if name == op.func:
        return None  # the origin already names it
    sal = gdb.find_pc_line(pc)
    if sal.symtab is not None:
        return "%s at %s:%d" % (name, sal.symtab.filename, sal.line)
    return name


def _describe(op, indent):
    lines = ["%sbegun at %s:%d in %s()" % (indent, op.file, op.line, op.func)]
    caller = _caller(op)
    if caller:
        lines.append("%s  called from %s" % (indent, caller))
    if op.hfile:
        lines.append("%shanded off at %s:%d in %s()"
                     % (indent, op.hfile, op.hline, op.hfunc))
    return lines


def _currents(reg):
    """Which thread has which op as its current one: {op address: [label]}."""
    out = {}
    here = gdb.selected_thread()
    frame = gdb.selected_frame()
    try:
        for th in gdb.selected_inferior().threads():
            th.switch()
            try:
                cur = int(gdb.parse_and_eval(CURRENT))
            except gdb.error:
                continue
            if cur:
                out.setdefault(cur, []).append(_thread_label(th))
    finally:
        here.switch()
        frame.select()
    return out


class AsyncBt(gdb.Command):
    """Print the logical stack of the operation this thread works on.

Usage: async-bt [OP]
From the selected thread's current corrlog operation (corrlog__current,
set by corrlog_begin and corrlog_enter), or from OP, a corrlog_op or a
pointer to one (e.g. j->op), print the chain up to the root: each
operation's kind and id, where it was begun (file:line function, and the
caller of that function when gdb can name it), where it was last handed
off, and its age and last event. A parent that has ended is named by its
id only (its memory may be gone; its begin is in the log). Compare with
`bt`, the machine's stack."""

    def __init__(self):
        super().__init__("async-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        cmd = "async-bt"
        _running(cmd)
        reg = Registry(cmd)
        th = gdb.selected_thread()
        if arg.strip():
            try:
                v = gdb.parse_and_eval(arg)
            except gdb.error as e:
                _fail(cmd, "%s: %s" % (arg.strip(), e))
            if v.type.strip_typedefs().code == gdb.TYPE_CODE_STRUCT:
                v = v.address  # j->op as well as &j->op
            ptr = v.cast(reg.optr)
            head = "async-bt: from %s" % arg.strip()
        else:
            ptr = _eval(cmd, CURRENT)
            head = "async-bt: thread %s" % _thread_label(th)
        if int(ptr) == 0:
            gdb.write("%s works on no operation (corrlog__current is NULL: "
                      "no corrlog_begin or corrlog_enter on this thread is "
                      "in effect)\n" % head)
            return
        op = reg.ops.get(int(ptr))
        ended = op is None
        if ended:
            op = Op(ptr)
        gdb.write("%s, operation %s\n" % (head, op.title()))
        for w in reg.warnings(cmd):
            gdb.write(w + "\n")
        for depth in range(MAX_DEPTH):
            state = "ended" if ended else "age %s" % _age(op)
            gdb.write("#%-2d %s, %s, last event %s\n"
                      % (depth, op.title(), state, op.last_ev))
            for line in _describe(op, "    "):
                gdb.write(line + "\n")
            if op.parent == 0:
                gdb.write("    (root)\n")
                return
            parent = reg.parent_of(op)
            if parent is None:
                gdb.write("#%-2d parent %016x has ended (its begin is in the "
                          "log)\n" % (depth + 1, op.parent))
                return
            op, ended = parent, False
        gdb.write("async-bt: the chain goes on past %d links: the registry "
                  "looks corrupted\n" % MAX_DEPTH)


class AsyncOps(gdb.Command):
    """List the corrlog operations begun and not yet ended.

Usage: async-ops
Every operation in corrlog's live registry, oldest first: kind and id, age
(time since corrlog_begin, including time stopped in the debugger), the
last event logged, which threads have it as their current
operation, where it was begun and handed off, and its parent."""

    def __init__(self):
        super().__init__("async-ops", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        cmd = "async-ops"
        if arg.strip():
            _fail(cmd, "takes no argument")
        _running(cmd)
        reg = Registry(cmd)
        cur = _currents(reg)
        ops = sorted(reg.ops.values(), key=lambda o: (o.begin_ns, o.id))
        gdb.write("async-ops: %d operation%s begun and not ended, oldest "
                  "first\n" % (len(ops), "" if len(ops) == 1 else "s"))
        for w in reg.warnings(cmd):
            gdb.write(w + "\n")
        for op in ops:
            where = cur.get(op.addr)
            gdb.write("%s, age %s, last event %s%s\n"
                      % (op.title(), _age(op), op.last_ev,
                         ", current in thread " + ", ".join(where)
                         if where else ""))
            for line in _describe(op, "    "):
                gdb.write(line + "\n")
            if op.parent:
                p = reg.parent_of(op)
                gdb.write("    parent %s\n" % (p.title() if p else
                                               "%016x (ended)" % op.parent))


AsyncBt()
AsyncOps()
