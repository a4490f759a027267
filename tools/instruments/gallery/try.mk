# try.mk -- `gallery try`'s build of a learner's async.c. Read after the
# Makefile (make -f Makefile -f tools/instruments/gallery/try.mk ...), so the program
# and the deterministic test are compiled and linked exactly as the
# scenario rules build build/bin/NN-slug-fix and build/tests/NN-slug-fix
# (same flags, same driver, shared files and libraries; B and SAN as for
# any build), with the learner's file in place of fixes/NN-slug/async.c.
#   TRY_SCEN  NN-slug    TRY_SRC  the learner's async.c (absolute path)
#   TRY_OUT   a directory for async.o, prog and test
TRY_OBJ := $(TRY_OUT)/async.o
$(TRY_OUT)/prog: PROG_LIBS = $(LESSON_LIBS)
$(TRY_OUT)/test: PROG_LIBS = $(LESSON_LIBS) $(JS_LIBS)
$(TRY_OBJ): $(TRY_SRC)
	$(call say,CC,$<)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -include tools/runtime/sched/dsched_wrap.h -iquote bugs -iquote bugs/$(TRY_SCEN) -c -o $@ $<
$(TRY_OUT)/prog: $(B)/obj/bugs/$(TRY_SCEN)/main.o $(TRY_OBJ) $($(TRY_SCEN)_SHARED) $(LINK_LIBS)
	$(call say,LINK,$@)$(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(filter %.o,$^) $(LINK_LIBS) $(LDLIBS)
$(TRY_OUT)/test: $($(TRY_SCEN)_TEST) $(TRY_OBJ) $($(TRY_SCEN)_SHARED) $(LINK_LIBS)
	$(call say,LINK,$@)$(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(filter %.o,$^) $(LINK_LIBS) $(CR_LIBS) $(LDLIBS)
try-prog: $(TRY_OUT)/prog
try-build: $(TRY_OUT)/prog $(TRY_OUT)/test
.PHONY: try-prog try-build
