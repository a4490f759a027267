/* report.c -- origin reports: where an operation and its
 * ancestors were begun and handed off, for errors found in callbacks. */
#include "internal.h"

/* Prints one code address as well as dladdr allows: the symbol and offset
 * when the symbol is exported (-rdynamic or a shared library), else the
 * object file and the offset inside it, which addr2line -e FILE resolves. */
static void print_addr(const char *label, void *addr) {
  Dl_info info;
  if (addr && dladdr(addr, &info) && info.dli_fname) {
    if (info.dli_sname)
      fprintf(stderr, "  %s %s+0x%lx (%s)\n", label, info.dli_sname,
              (unsigned long)((char *)addr - (char *)info.dli_saddr),
              info.dli_fname);
    else
      fprintf(stderr, "  %s %s+0x%lx (no symbol: addr2line -e %s 0x%lx)\n",
              label, info.dli_fname,
              (unsigned long)((char *)addr - (char *)info.dli_fbase),
              info.dli_fname,
              (unsigned long)((char *)addr - (char *)info.dli_fbase));
  } else {
    fprintf(stderr, "  %s %p\n", label, addr);
  }
}

/* One link of a chain: where op was begun and where it was handed off. */
static void report_one(const corrlog_op *op, const char *role) {
  fprintf(stderr, "  %s %016llx (%s) was started at %s:%d in %s()\n", role,
          (unsigned long long)op->id, op->kind ? op->kind : "op",
          op->origin.file ? op->origin.file : "?", op->origin.line,
          op->origin.func ? op->origin.func : "?");
  print_addr("called from", op->origin.ret);
  for (int i = 0; i < op->origin.nframes && i < CORRLOG_MAX_FRAMES; i++) {
    char label[16];
    snprintf(label, sizeof label, "#%d", i);
    print_addr(label, op->origin.frames[i]);
  }
  if (op->handoff.file)
    fprintf(stderr, "  handed off at %s:%d in %s()\n", op->handoff.file,
            op->handoff.line, op->handoff.func ? op->handoff.func : "?");
}

/* Prints op's chain up to its root: each parent is followed only while it
 * is live (in corrlog__live_ops with the expected id); an ended parent's
 * memory may be gone, so its id alone is printed. */
void corrlog_report_origin(const corrlog_op *op, const char *what) {
  fprintf(stderr, "%s\n", what);
  report_one(op, "operation");
  for (int depth = 0; op->parent && depth < 64; depth++) {
    const corrlog_op *p = corrlog__live_parent(op);
    if (!p) {
      fprintf(stderr, "  parent %016llx has ended (its begin is in the log)\n",
              (unsigned long long)op->parent);
      return;
    }
    report_one(p, "parent");
    op = p;
  }
}

void corrlog__report(const corrlog_op *op, const char *what, const char *file,
                     int line, const char *func) {
  char head[512];
  snprintf(head, sizeof head, "%s\n  detected at %s:%d in %s()", what, file,
           line, func);
  corrlog_report_origin(op, head);
}
