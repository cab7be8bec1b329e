# hull - see LICENSE and README.md
.POSIX:

include config.mk

MODULES = runtime cgroups namespaces netsetup oci-spec
LIB_SRC = $(filter-out runtime/main.c,$(wildcard $(addsuffix /*.c,$(MODULES))))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILDDIR)/%.o)
TEST_SRC = $(wildcard tests/unit/*.c tests/integration/*.c tests/lib/*.c)
TEST_OBJ = $(TEST_SRC:%.c=$(BUILDDIR)/%.o)
MAN = $(wildcard man/*.[1-8])
FIXTURE = tests/fixtures/busybox

all: hull

$(BUILDDIR)/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILDDIR)/libhull.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

hull: $(BUILDDIR)/runtime/main.o $(BUILDDIR)/libhull.a
	$(CC) $(LDFLAGS) -o $@ $(BUILDDIR)/runtime/main.o $(BUILDDIR)/libhull.a $(PKG_LIBS)

# The test runner holds every Check suite; HULL_SUITE(name) lines register them.
$(BUILDDIR)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(@D)
	grep -ho '^HULL_SUITE([a-z0-9_]*, *[a-z]*)' $(TEST_SRC) | sort > $@.tmp
	mv $@.tmp $@

$(BUILDDIR)/tests/lib/runner.o: $(BUILDDIR)/tests/suites.inc
$(BUILDDIR)/tests/lib/runner.o: CPPFLAGS += -I$(BUILDDIR)/tests

$(BUILDDIR)/hull-tests: $(TEST_OBJ) $(BUILDDIR)/libhull.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(BUILDDIR)/libhull.a $(PKG_LIBS) $(CHECK_LIBS)

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

check: deps
	$(MAKE) hull $(BUILDDIR)/hull-tests
	$(MAKE) check-man
	@sh tests/fixture.sh $(FIXTURE)
	CK_DEFAULT_TIMEOUT=$(CHECK_TIMEOUT) HULL=$(CURDIR)/hull HULL_FIXTURE=$(CURDIR)/$(FIXTURE) \
		$(BUILDDIR)/hull-tests all
	@$(MAKE) --no-print-directory check-cgroup2

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

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(BUILDDIR)/runtime/main.d

.PHONY: all deps fixture demo check check-unit check-integration check-containerd check-cgroup2 check-man install uninstall clean
