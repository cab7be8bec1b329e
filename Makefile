# hull - see LICENSE and README.md

include config.mk

# libhull.a: the house from base/ up to runtime/; cli/ on top is the
# command line (its main.c alone is not in the test binary).
MODULES = base oci-spec netsetup cgroups namespaces runtime
LIB_SRC = $(wildcard $(addsuffix /*.c,$(MODULES)))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILDDIR)/%.o)
CLI_SRC = $(filter-out cli/main.c,$(wildcard cli/*.c))
CLI_OBJ = $(CLI_SRC:%.c=$(BUILDDIR)/%.o)
TEST_SRC = $(wildcard tests/unit/*.c tests/integration/*.c tests/lib/*.c)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILDDIR)/%.o)
MAN = $(wildcard man/*.[1-8])
# Every C file of the product and its tests, for clang-format (.clang-format).
FORMAT_SRC = $(wildcard $(addsuffix /*.[ch],$(MODULES) cli tests/unit tests/integration tests/lib tests/fuzz))
FIXTURE = tests/fixtures/busybox

all: hull

$(BUILDDIR)/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILDDIR)/libhull.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

hull: $(BUILDDIR)/cli/main.o $(CLI_OBJ) $(BUILDDIR)/libhull.a
	$(CC) $(LDFLAGS) -o $@ $(BUILDDIR)/cli/main.o $(CLI_OBJ) $(BUILDDIR)/libhull.a $(HULL_LIBS)

# The test runner holds every Check suite; HULL_SUITE(name) lines register them.
$(BUILDDIR)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(@D)
	grep -ho '^HULL_SUITE([a-z0-9_]*, *[a-z]*)' $(TEST_SRC) | sort > $@.tmp
	mv $@.tmp $@

$(BUILDDIR)/tests/lib/runner.o: $(BUILDDIR)/tests/suites.inc
$(BUILDDIR)/tests/lib/runner.o: CPPFLAGS += -I$(BUILDDIR)/tests

$(BUILDDIR)/hull-tests: $(TEST_OBJ) $(CLI_OBJ) $(BUILDDIR)/libhull.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(CLI_OBJ) $(BUILDDIR)/libhull.a $(PKG_LIBS) $(CHECK_LIBS)

deps:
	@sh tests/deps.sh $(DEPS_PKGS)

fixture: hull
	@sh tests/fixture.sh $(FIXTURE)

demo: deps
	$(MAKE) hull
	@sh tests/fixture.sh $(FIXTURE)
	printf '%s\n' 'echo "hostname: $$(hostname)"' 'echo "pid: $$$$"' id | \
		./hull run --bundle $(FIXTURE) hull-demo-$$$$

check-unit: $(BUILDDIR)/hull-tests
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) $(BUILDDIR)/hull-tests unit

check-integration: hull $(BUILDDIR)/hull-tests
	@sh tests/fixture.sh $(FIXTURE)
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) HULL=$(CURDIR)/hull HULL_FIXTURE=$(CURDIR)/$(FIXTURE) \
		$(BUILDDIR)/hull-tests integration

# The edit loop's check, about a minute: the unit suites and the
# integration ones but for the test cases tagged CHECK_FAST_EXCLUDE_TAGS
# (daemons, slow: see tests/lib/hull-test.h). make check runs them all.
check-fast: hull $(BUILDDIR)/hull-tests
	@sh tests/fixture.sh $(FIXTURE)
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) CK_EXCLUDE_TAGS="$(CHECK_FAST_EXCLUDE_TAGS)" HULL=$(CURDIR)/hull \
		HULL_FIXTURE=$(CURDIR)/$(FIXTURE) $(BUILDDIR)/hull-tests all

# The containerd suite alone: containerd-shim-runc-v2 driving hull, through
# ctr and through a CRI runtime entry with options BinaryName.
check-containerd: hull $(BUILDDIR)/hull-tests
	@sh tests/fixture.sh $(FIXTURE)
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) CK_RUN_SUITE=containerd HULL=$(CURDIR)/hull \
		HULL_FIXTURE=$(CURDIR)/$(FIXTURE) $(BUILDDIR)/hull-tests integration

# The cgroup suites on Debian's kernel booted with cgroup_no_v1=all (see
# tests/cgroup2/run.sh): this host is hybrid, v2 alone is tested there.
check-cgroup2: hull $(BUILDDIR)/hull-tests
	@sh tests/fixture.sh $(FIXTURE)
	@QEMU="$(QEMU)" CGROUP2_TIMEOUT="$(CGROUP2_TIMEOUT)" CGROUP2_CACHE="$(CGROUP2_CACHE)" \
		CGROUP2_SUITES="$(CGROUP2_SUITES)" CGROUP2_MODULES="$(CGROUP2_MODULES)" BUILDDIR="$(BUILDDIR)" FIXTURE="$(FIXTURE)" \
		HULL="$(CURDIR)/hull" sh tests/cgroup2/run.sh

check-man:
	mandoc -T lint -W warning $(MAN)

# The C files as .clang-format has them: check-format fails on any
# difference (and shows it), format rewrites the files.
check-format:
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_SRC)

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRC)

# hull side by side with runc and crun (tests/bench/bench.py, root): tables,
# JSON, PNG plots and latest.md in tests/bench/results/; bench-smoke runs the
# same experiments with tiny counts (results/smoke/), under a minute.
bench: hull
	/usr/bin/python3 tests/bench/bench.py

bench-smoke: hull
	/usr/bin/python3 tests/bench/bench.py --smoke

check: deps
	$(MAKE) hull $(BUILDDIR)/hull-tests
	$(MAKE) check-man
	@sh tests/fixture.sh $(FIXTURE)
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) HULL=$(CURDIR)/hull HULL_FIXTURE=$(CURDIR)/$(FIXTURE) \
		$(BUILDDIR)/hull-tests all
	@$(MAKE) --no-print-directory check-cgroup2
	@$(MAKE) --no-print-directory soak N=$(CHECK_SOAK_N)
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory bench-smoke

# libFuzzer targets (tests/fuzz/fuzz-*.c): the library again, built by clang
# with ASan and UBSan into $(BUILDDIR)/fuzz. make fuzz runs each target
# FUZZ_SECONDS seconds, fuzz-smoke FUZZ_SMOKE_SECONDS (see tests/fuzz/run.sh).
FUZZ_TARGETS = spec annotations state seccomp caps resources
FUZZ_BIN = $(FUZZ_TARGETS:%=$(BUILDDIR)/fuzz/fuzz-%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(BUILDDIR)/fuzz/%.o)

$(BUILDDIR)/fuzz/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -U_FORTIFY_SOURCE -std=gnu11 -O1 -g -Wall -Wextra -Werror \
		-Wno-missing-field-initializers $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILDDIR)/fuzz/libhull.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_BIN): $(BUILDDIR)/fuzz/fuzz-%: $(BUILDDIR)/fuzz/tests/fuzz/fuzz-%.o $(BUILDDIR)/fuzz/libhull.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(BUILDDIR)/fuzz/libhull.a $(PKG_LIBS)

fuzz: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(BUILDDIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: $(FUZZ_BIN)
	@sh tests/fuzz/run.sh $(BUILDDIR) $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# hull and the test runner built with ASan and UBSan into $(BUILDDIR)/asan;
# the unit suites and the lifecycle suite run with leak detection, and any
# report fails.
ASAN_LIB_OBJ = $(LIB_SRC:%.c=$(BUILDDIR)/asan/%.o)
ASAN_TEST_OBJ = $(TEST_SRC:%.c=$(BUILDDIR)/asan/%.o)
ASAN_CLI_OBJ = $(CLI_SRC:%.c=$(BUILDDIR)/asan/%.o)

$(BUILDDIR)/asan/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(ASAN_CC) $(CPPFLAGS) -U_FORTIFY_SOURCE $(CFLAGS) $(ASAN_SAN) $(PKG_CFLAGS) $(CHECK_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILDDIR)/asan/tests/lib/runner.o: $(BUILDDIR)/tests/suites.inc
$(BUILDDIR)/asan/tests/lib/runner.o: CPPFLAGS += -I$(BUILDDIR)/tests

$(BUILDDIR)/asan/libhull.a: $(ASAN_LIB_OBJ)
	rm -f $@
	ar rcs $@ $(ASAN_LIB_OBJ)

$(BUILDDIR)/asan/hull: $(BUILDDIR)/asan/cli/main.o $(ASAN_CLI_OBJ) $(BUILDDIR)/asan/libhull.a
	$(ASAN_CC) $(LDFLAGS) $(ASAN_SAN) -o $@ $(BUILDDIR)/asan/cli/main.o $(ASAN_CLI_OBJ) $(BUILDDIR)/asan/libhull.a \
		$(PKG_LIBS)

$(BUILDDIR)/asan/hull-tests: $(ASAN_TEST_OBJ) $(ASAN_CLI_OBJ) $(BUILDDIR)/asan/libhull.a
	$(ASAN_CC) $(LDFLAGS) $(ASAN_SAN) -o $@ $(ASAN_TEST_OBJ) $(ASAN_CLI_OBJ) $(BUILDDIR)/asan/libhull.a $(PKG_LIBS) \
		$(CHECK_LIBS)

check-asan: $(BUILDDIR)/asan/hull $(BUILDDIR)/asan/hull-tests
	@HULL=$(CURDIR)/$(BUILDDIR)/asan/hull sh tests/fixture.sh $(FIXTURE)
	$(ASAN_ENV) CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) $(BUILDDIR)/asan/hull-tests unit
	$(ASAN_ENV) CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) CK_RUN_SUITE=lifecycle \
		HULL=$(CURDIR)/$(BUILDDIR)/asan/hull HULL_FIXTURE=$(CURDIR)/$(FIXTURE) \
		$(BUILDDIR)/asan/hull-tests integration

# hull spec, create, state, list, start, kill and delete under valgrind
# memcheck (tests/fuzz/valgrind.sh): any error or leak fails.
check-valgrind: hull
	@sh tests/fixture.sh $(FIXTURE)
	@sh tests/fuzz/valgrind.sh $(CURDIR)/hull $(CURDIR)/$(FIXTURE)

# N create/start/wait/delete cycles (bridge networking, an overlay root),
# then the host compared with before; any leak fails (tests/soak/soak.py).
# make soak N=200 runs 200 instead of SOAK_N.
soak: hull
	@sh tests/fixture.sh $(FIXTURE)
	/usr/bin/python3 tests/soak/soak.py --cycles $(if $(N),$(N),$(SOAK_N)) --hull $(CURDIR)/hull \
		--fixture $(CURDIR)/$(FIXTURE)

install: hull
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7 \
		$(DESTDIR)$(MANPREFIX)/man8
	cp -f hull $(DESTDIR)$(PREFIX)/bin/hull
	chmod 755 $(DESTDIR)$(PREFIX)/bin/hull
	for m in $(MAN); do s=$${m##*.}; cp -f $$m $(DESTDIR)$(MANPREFIX)/man$$s/; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/hull
	for m in $(MAN); do s=$${m##*.}; rm -f $(DESTDIR)$(MANPREFIX)/man$$s/$${m##*/}; done

clean:
	rm -rf $(BUILDDIR) hull tests/fixtures

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(BUILDDIR)/cli/main.d
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(BUILDDIR)/fuzz/tests/fuzz/fuzz-%.d) \
	$(ASAN_LIB_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d) $(ASAN_CLI_OBJ:.o=.d) $(BUILDDIR)/asan/cli/main.d

.PHONY: all deps fixture demo fuzz fuzz-smoke check-asan check-valgrind check check-fast check-format format check-unit check-integration check-containerd check-cgroup2 check-man bench bench-smoke install uninstall soak clean
