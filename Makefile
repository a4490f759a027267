# Makefile -- the workbook's one flat build: tools, gallery scenarios, tests
# and docs, all into build/. `make help` lists the targets; V=1 shows the
# full commands.
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
# This file's own name, before any include adds to the list (make help).
SELF := $(lastword $(MAKEFILE_LIST))

# Parallel by default, one job per core (at least two), so that no core
# idles through a build. A -j on the command line wins over this; a sub-make
# shares its parent's jobs; and when several goals are named (`make clean
# all`) they would run at once, so that build stays serial.
ifeq ($(MAKELEVEL),0)
ifeq ($(filter-out 0 1,$(words $(MAKECMDGOALS))),)
MAKEFLAGS += -j$(shell n=$$(nproc 2>/dev/null || echo 1); echo $$((n < 2 ? 2 : n)))
endif
endif

B       := build
CC      ?= cc
CLANG   ?= clang

# Library flags are looked up when a recipe runs (=, not :=), so that a fresh
# machine gets them right after `make deps` has installed the packages.
UV_LIBS  = $(or $(shell pkg-config --libs libuv 2>/dev/null),-luv)
CR_LIBS  = $(or $(shell pkg-config --libs criterion 2>/dev/null),-lcriterion)
JS_LIBS  = $(or $(shell pkg-config --libs jansson 2>/dev/null),-ljansson)
MD_LIBS  = $(or $(shell pkg-config --libs libcmark-gfm 2>/dev/null),-lcmark-gfm -lcmark-gfm-extensions)

OPT      ?= -O2
SAN      ?=
# -Werror everywhere but in sanitizer builds, where GCC's extra analysis
# reports false positives (format truncation at -O1) that the plain build,
# the one CI holds to -Werror, does not.
WARN     := -Wall -Wextra $(if $(SAN),,-Werror)
CFLAGS   ?= -g $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -pthread \
             -MMD -MP -iquote tools/runtime/corrlog -iquote tools/runtime/sched -iquote tools/instruments/hunt \
             -iquote tools/instruments/trace -iquote tools/runtime/proc \
             -iquote tools/instruments/md
# Each program links the system libraries it uses and no more: PROG_LIBS
# is set per program below (libuv for what runs the scheduler's libuv side,
# jansson for what reads or writes JSON), the rest every program may use.
PROG_LIBS =
LDLIBS   = $(PROG_LIBS) -lpthread -ldl -lm

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
endif

# ---------------------------------------------------------------- tools
# tools/ holds two kinds of code, and the one dependency rule between them:
#   tools/runtime/X      linked into lessons (corrlog, sched, proc, the shim);
#   tools/instruments/X  run or read lessons (hunt, trace, gallery, doccheck,
#                        the book, benchmarks) and never link into them.
# Every tools/*/X/main.c is the program build/X; every other tools/*/X/*.c
# goes into the library build/lib/libX.a. tools/instruments/bench holds
# benchmarks (below) and tools/runtime/preload the LD_PRELOAD shim; neither
# is a library.
tool_path = $(firstword $(wildcard tools/runtime/$(1) tools/instruments/$(1)))
TOOL_DIRS := $(filter-out bench preload,$(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*/*.c)))))
TOOL_DIRS := $(sort $(TOOL_DIRS))
TOOL_PROGS := $(addprefix $(B)/,$(notdir $(patsubst %/main.c,%,$(wildcard tools/*/*/main.c))))
TOOL_LIBS_DIRS := $(sort $(foreach d,$(TOOL_DIRS),$(if $(filter-out $(call tool_path,$(d))/main.c,$(wildcard $(call tool_path,$(d))/*.c)),$(d))))
TOOL_LIBS := $(foreach d,$(TOOL_LIBS_DIRS),$(B)/lib/lib$(d).a)
# Every program links the libraries it needs and no more, so one tool that
# does not build does not stop the others: scenarios link the runtime
# (corrlog, sched, proc); tool X (and its test) links libX.a first, then those.
BASE_LIBS := $(B)/lib/libsched.a $(B)/lib/libcorrlog.a $(B)/lib/libproc.a
LINK_LIBS := $(BASE_LIBS)
own_lib = $(filter $(B)/lib/lib$(1).a,$(TOOL_LIBS))
# The gallery, hunt and doccheck run other programs; they link neither,
# only the process runner and the schedule-spec grammar (spec.o, taken from
# libsched.a alone).
base_libs = $(if $(filter gallery hunt doccheck,$(1)),$(B)/lib/libproc.a $(B)/lib/libsched.a,$(BASE_LIBS))

# The workbook's libraries a tool links beyond those: doccheck reads
# Markdown through tools/instruments/md (system libraries: PROG_LIBS below).
TOOL_DEPS_doccheck := $(B)/lib/libmd.a

define tool_lib
$(B)/lib/lib$(1).a: $(patsubst %.c,$(B)/obj/%.o,$(filter-out $(call tool_path,$(1))/main.c,$(wildcard $(call tool_path,$(1))/*.c)))
	$$(call say,AR,$$@)mkdir -p $$(@D) && rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(TOOL_LIBS_DIRS),$(eval $(call tool_lib,$(d))))

define tool_prog
$(B)/$(1): $(B)/obj/$(call tool_path,$(1))/main.o $(call own_lib,$(1)) $(call base_libs,$(1)) $(TOOL_DEPS_$(1))
	$$(call say,LINK,$$@)mkdir -p $$(@D) && $$(CC) $$(ALL_CFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(LDLIBS)
endef
$(foreach p,$(patsubst $(B)/%,%,$(TOOL_PROGS)),$(eval $(call tool_prog,$(p))))

$(B)/obj/%.o: %.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -c -o $@ $<

# Gallery code (bugs/, fixes/, scenario tests) is plain libuv; the scheduler
# wraps the calls it can reorder at compile time.
GALLERY_CFLAGS = -include tools/runtime/sched/dsched_wrap.h -iquote bugs -iquote bugs/$(word 2,$(subst /, ,$<))
$(B)/obj/bugs/%.o: bugs/%.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(GALLERY_CFLAGS) -c -o $@ $<
$(B)/obj/fixes/%.o: fixes/%.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(GALLERY_CFLAGS) -c -o $@ $<

# ---------------------------------------------------------------- gallery
# A scenario is bugs/NN-slug/ with main.c (the driver and invariant), sync.c
# (the synchronous twin) and async.c (the bug), plus fixes/NN-slug/async.c.
# Other .c files in bugs/NN-slug/ are shared by all three. Each variant is
# the program build/bin/NN-slug-{sync,bug,fix} and the Criterion test
# build/tests/NN-slug-{sync,bug,fix} built from tests/test_NN_slug.c.
SCENARIOS := $(sort $(patsubst bugs/%/main.c,%,$(wildcard bugs/[0-9][0-9]-*/main.c)))

define scenario
$(1)_SHARED := $$(patsubst %.c,$(B)/obj/%.o,$$(filter-out %/main.c %/sync.c %/async.c,$$(wildcard bugs/$(1)/*.c)))
$(1)_TEST := $(B)/obj/tests/test_$(subst -,_,$(1)).o
$(B)/bin/$(1)-sync: $(B)/obj/bugs/$(1)/main.o $(B)/obj/bugs/$(1)/sync.o $$($(1)_SHARED) $(LINK_LIBS)
$(B)/bin/$(1)-bug:  $(B)/obj/bugs/$(1)/main.o $(B)/obj/bugs/$(1)/async.o $$($(1)_SHARED) $(LINK_LIBS)
$(B)/bin/$(1)-fix:  $(B)/obj/bugs/$(1)/main.o $(B)/obj/fixes/$(1)/async.o $$($(1)_SHARED) $(LINK_LIBS)
$(B)/tests/$(1)-sync: $$($(1)_TEST) $(B)/obj/bugs/$(1)/sync.o $$($(1)_SHARED) $(LINK_LIBS)
$(B)/tests/$(1)-bug:  $$($(1)_TEST) $(B)/obj/bugs/$(1)/async.o $$($(1)_SHARED) $(LINK_LIBS)
$(B)/tests/$(1)-fix:  $$($(1)_TEST) $(B)/obj/fixes/$(1)/async.o $$($(1)_SHARED) $(LINK_LIBS)
$$($(1)_TEST) $(B)/obj/bugs/$(1)/main.o: $(B)/gen/$(1)/scenario.h
$$($(1)_TEST) $(B)/obj/bugs/$(1)/main.o: GALLERY_CFLAGS = -include tools/runtime/sched/dsched_wrap.h -iquote bugs -iquote bugs/$(1) -iquote $(B)/gen/$(1)
endef
$(foreach s,$(SCENARIOS),$(eval $(call scenario,$(s))))

# A scenario test, and its driver's help, read the scenario's facts
# (name, schedules, workloads) from
# bugs/NN-slug/scenario.conf, as the header build/gen/NN-slug/scenario.h
# (#define SCENARIO_COMPARE_SCHEDULE "...", ...), never from a copy.
$(B)/gen/%/scenario.h: bugs/%/scenario.conf $(B)/gallery tools/instruments/scenario-header.sh
	$(call say,GEN,$@)mkdir -p $(@D) && tools/instruments/scenario-header.sh $(firstword $(subst -, ,$*)) $@

SCENARIO_BINS  := $(foreach s,$(SCENARIOS),$(foreach v,sync bug fix,$(B)/bin/$(s)-$(v)))
SCENARIO_TESTS := $(foreach s,$(SCENARIOS),$(foreach v,sync bug fix,$(B)/tests/$(s)-$(v)))

$(B)/obj/tests/%.o: tests/%.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(GALLERY_CFLAGS) -c -o $@ $<
$(B)/obj/tests/test_tool_%.o: GALLERY_CFLAGS =

# -rdynamic: backtraces and async origins can name the gallery's functions.
$(SCENARIO_BINS):
	$(call say,LINK,$@)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(filter %.o,$^) $(LINK_LIBS) $(LDLIBS)
$(SCENARIO_TESTS):
	$(call say,LINK,$@)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(filter %.o,$^) $(LINK_LIBS) $(CR_LIBS) $(LDLIBS)

# Tool tests: tests/test_tool_X.c is the Criterion program build/tests/tool-X.
TOOL_TESTS := $(patsubst tests/test_tool_%.c,$(B)/tests/tool-%,$(wildcard tests/test_tool_*.c))
define tool_test
$(B)/tests/tool-$(1): $(B)/obj/tests/test_tool_$(1).o $(call own_lib,$(1)) $(BASE_LIBS) $(TOOL_DEPS_$(1))
	$$(call say,LINK,$$@)mkdir -p $$(@D) && $$(CC) $$(ALL_CFLAGS) -o $$@ $$(filter %.o %.a,$$^) $$(CR_LIBS) $$(LDLIBS)
endef
$(foreach t,$(patsubst $(B)/tests/tool-%,%,$(TOOL_TESTS)),$(eval $(call tool_test,$(t))))

# Plain helper programs for tests (tests/progs/X.c -> build/tests/progs/X),
# built without any of the workbook's headers.
TEST_PROGS := $(patsubst tests/progs/%.c,$(B)/tests/progs/%,$(wildcard tests/progs/*.c))
$(B)/tests/progs/%: tests/progs/%.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) -std=c11 -D_GNU_SOURCE -g -O2 -Wall -Wextra -pthread -o $@ $< -lm

# Bug programs with their correct twin in the same file, built with -DOK
# as X_ok: the corpus (tests/progs/corpus_X.c, chapter 22), the shim's
# replay programs and the programs it is measured on (chapter 21).
TWIN_SRCS := $(wildcard tests/progs/corpus_*.c) tests/progs/preload_race.c \
             tests/progs/preload_deadlock.c tests/progs/sched_join.c \
             tests/progs/sched_publish.c
CORPUS_OK := $(patsubst tests/progs/%.c,$(B)/tests/progs/%_ok,$(TWIN_SRCS))
$(CORPUS_OK): $(B)/tests/progs/%_ok: tests/progs/%.c
	$(call say,CC,$@)mkdir -p $(@D) && $(CC) -std=c11 -D_GNU_SOURCE -DOK -g -O2 -Wall -Wextra -pthread -o $@ $< -lm

# build/schedcc: rebuilds a program so that its plain loads and stores are
# schedule points (tools/runtime/schedcc/schedcc.sh, runtime build/lib/libschedcc.a).
$(B)/schedcc: tools/runtime/schedcc/schedcc.sh $(B)/lib/libschedcc.a
	$(call say,INSTALL,$@)mkdir -p $(@D) && cp $< $@ && chmod +x $@

# The event-loop primer's programs (chapters/primer/X.c -> build/primer/X):
# plain libuv, as a learner would write them, none of the workbook's headers.
PRIMER_PROGS := $(patsubst chapters/primer/%.c,$(B)/primer/%,$(wildcard chapters/primer/*.c))
$(B)/primer/%: chapters/primer/%.c
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN) -pthread -o $@ $< $(UV_LIBS)

# Exercise programs (chapters/exercises/X.c -> build/exercises/X): built
# against the scheduler like the gallery's code, so that SCHED=order:...
# decides their interleavings.
EXERCISE_PROGS := $(patsubst chapters/exercises/%.c,$(B)/exercises/%,$(wildcard chapters/exercises/*.c))
$(B)/exercises/%: chapters/exercises/%.c $(LINK_LIBS)
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -include tools/runtime/sched/dsched_wrap.h -o $@ $< $(LINK_LIBS) $(LDLIBS)

# Benchmarks: tools/instruments/bench/X.c -> build/bench/X.
BENCH_PROGS := $(patsubst tools/instruments/bench/%.c,$(B)/bench/%,$(wildcard tools/instruments/bench/*.c))
$(B)/bench/%: $(B)/obj/tools/instruments/bench/%.o $(LINK_LIBS)
	$(call say,LINK,$@)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

# The LD_PRELOAD scheduler shim (tools/runtime/preload/*.c).
PRELOAD_SRC := $(wildcard tools/runtime/preload/*.c) tools/runtime/sched/spec.c
# Not in sanitizer builds: a sanitized .so cannot be preloaded into plain
# programs.
PRELOAD := $(if $(SAN),,$(if $(PRELOAD_SRC),$(B)/libsched-preload.so))
$(B)/libsched-preload.so: $(PRELOAD_SRC)
	$(call say,LINK,$@)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $^ -ldl -lpthread

# Who needs which library (PROG_LIBS above). Lessons, their tests, the
# exercises and the benchmarks run libuv under the scheduler (LESSON_LIBS;
# gallery try's try.mk links a learner's lesson with it too); of the tools
# only the scheduler's own test does. hunt, gallery and trace read or write
# JSON, and so do the tests of hunt, trace and corrlog, corrlog's bench
# (it reads the log's trailer) and the scenario tests (their report,
# tests/scenario_report.h). cmark-gfm only where
# Markdown is read: doccheck, build/md (the book) and md's test.
LESSON_LIBS = $(UV_LIBS)
$(SCENARIO_BINS): PROG_LIBS = $(LESSON_LIBS)
$(SCENARIO_TESTS): PROG_LIBS = $(LESSON_LIBS) $(JS_LIBS)
$(EXERCISE_PROGS) $(BENCH_PROGS): PROG_LIBS = $(LESSON_LIBS)
$(B)/tests/tool-sched: PROG_LIBS = $(UV_LIBS)
$(B)/hunt $(B)/gallery $(B)/trace: PROG_LIBS = $(JS_LIBS)
$(B)/tests/tool-hunt $(B)/tests/tool-trace: PROG_LIBS = $(JS_LIBS)
$(B)/tests/tool-corrlog: PROG_LIBS = $(JS_LIBS)
$(B)/bench/bench_corrlog: PROG_LIBS = $(LESSON_LIBS) $(JS_LIBS)
$(B)/doccheck $(B)/md $(B)/tests/tool-md: PROG_LIBS = $(MD_LIBS)

# libFuzzer targets: tests/fuzz/fuzz_X.c fuzzes tool X's library (its .c
# files but main.c, with corrlog's, whose escaper and UTF-8 check the
# tools share), built by clang with the fuzzer and the address and
# undefined-behaviour sanitizers into build/fuzz/fuzz_X; tools/check.sh
# runs them. Not in `all`: they need clang.
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
define fuzz_prog
$(B)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c \
    $(filter-out %/main.c,$(wildcard $(call tool_path,$(1))/*.c)) \
    $(wildcard tools/runtime/corrlog/*.c)
	$$(call say,CLANG,$$@)mkdir -p $$(@D) && \
	  $$(CLANG) -g -O1 -std=c11 -D_GNU_SOURCE \
	  -fsanitize=fuzzer,address,undefined -iquote $(call tool_path,$(1)) \
	  -iquote tools/runtime/corrlog -o $$@ $$^ $$(JS_LIBS) -lm -pthread -ldl
endef
$(foreach f,$(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS)),$(eval $(call fuzz_prog,$(f))))

# ---------------------------------------------------------------- targets
ALL := $(TOOL_PROGS) $(SCENARIO_BINS) $(SCENARIO_TESTS) $(TOOL_TESTS) \
       $(TEST_PROGS) $(CORPUS_OK) $(BENCH_PROGS) $(PRELOAD) $(B)/schedcc
ALL += $(PRIMER_PROGS) $(EXERCISE_PROGS)

all: $(ALL) ## build everything into build/

deps: ## install the packages the targets need (tools/deps.list)
	@tools/deps.sh

run: deps ## install what is missing, build, then run the guided tour
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(B)/gallery tour

test: deps ## build, then run every test: scenarios both ways, tools, doc checks
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/run-tests.sh

check: deps ## sanitizers, valgrind, stress runs of the fixes, fuzz, determinism
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/check.sh

# The measured tables: `make bench` prints them and keeps them under
# build/tables/ (a run measures, it changes no tracked file); `make tables`
# measures again and writes them into their chapters, for a commit that
# says so.
TABLES := gallery-table.sh heisenbug-table.sh corpus-table.py
bench: all ## benchmarks and the measured tables, printed and kept in build/tables/
	$(Q)if [ -z "$(BENCH_PROGS)" ]; then echo "make bench: no benchmarks yet"; fi
	$(Q)for b in $(BENCH_PROGS); do echo "== $$b"; $$b || exit $$?; done
	$(Q)mkdir -p $(B)/tables
	$(Q)for t in $(TABLES); do \
	  echo "== tools/instruments/$$t (also in $(B)/tables/$${t%.*}.md)"; \
	  tools/instruments/$$t >$(B)/tables/$${t%.*}.md || exit $$?; \
	  cat $(B)/tables/$${t%.*}.md; \
	done

tables: all ## measure the tables again and write them into their chapters
	$(Q)for t in $(TABLES); do \
	  echo "== tools/instruments/$$t --write"; \
	  tools/instruments/$$t --write || exit $$?; \
	done

fuzz: $(FUZZ_PROGS) ## build the libFuzzer targets into build/fuzz/ (make check runs them)

corrlog-amalgamation: ## corrlog as build/corrlog.c + build/corrlog.h, to copy into any program
	$(Q)tools/runtime/corrlog/amalgamate.sh $(B)

book: deps ## the workbook as static HTML in build/book/ (open build/book/index.html)
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/instruments/book/build.sh

check-book: all ## the HTML book in headless Chromium: non-blank pages, links, figures
	$(Q)tests/check-book.sh

snippets: $(B)/doccheck ## refresh code excerpts in chapters from the source
	$(Q)$(B)/doccheck snippets --refresh chapters/*.md

outputs: $(B)/doccheck ## refresh the chapters' sample outputs from their commands
	$(Q)$(B)/doccheck commands --refresh chapters/*.md

readme: $(B)/gallery ## write the README's scenario rows and chapter titles from bugs/*/scenario.conf
	$(Q)tools/instruments/scenario-docs.sh --write

# Every C source of the workbook, in the one style of .clang-format.
FORMAT_SRCS = $(wildcard tools/*/*/*.c tools/*/*/*.h bugs/*.h bugs/*/*.c \
  bugs/*/*.h fixes/*/*.c fixes/*/*.h tests/*.c tests/*.h tests/progs/*.c \
  tests/fuzz/*.c chapters/primer/*.c chapters/exercises/*.c)

format: ## apply .clang-format to the workbook's C sources
	clang-format -i $(FORMAT_SRCS)

format-check: ## fail, naming the files, when a C source is not as make format leaves it
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

clean: ## remove build/
	rm -rf $(B)

help: ## list every target with one line each
	@grep -hE '^[a-z][a-z-]*:.*## ' $(SELF) | sed 's/:.*## /\t/' | \
	  awk -F'\t' '{ printf "  make %-11s %s\n", $$1, $$2 }'

.PHONY: all deps run test check check-book bench tables fuzz \
        corrlog-amalgamation book snippets outputs readme format format-check \
        clean help
.SECONDARY:

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
