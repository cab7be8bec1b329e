/* libFuzzer target: linux.seccomp, parsed by hull_spec_parse and compiled
 * by hull_seccomp_compile (libseccomp builds the BPF; nothing is loaded).
 *
 * Input: the value of linux.seccomp, spliced into a minimal config.
 *
 * libseccomp 2.5.4 leaks rule nodes by itself (run.sh gives LSan
 * lsan.supp for it), so the filters hull makes are counted here instead:
 * every seccomp_init must meet its seccomp_release. */
#include <dlfcn.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/spec.h"
#include "../../runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long live_filters;

/* Interposed on libseccomp's (the executable's definition wins). */
scmp_filter_ctx seccomp_init(uint32_t def_action)
{
	static scmp_filter_ctx (*real)(uint32_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "seccomp_init");
	scmp_filter_ctx ctx = real(def_action);
	if (ctx)
		live_filters++;
	return ctx;
}

void seccomp_release(scmp_filter_ctx ctx)
{
	static void (*real)(scmp_filter_ctx);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "seccomp_release");
	if (ctx)
		live_filters--;
	real(ctx);
}

static const char head[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":";
static const char tail[] = "}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = sizeof(head) - 1 + size + sizeof(tail) - 1;
	char *buf = malloc(n);
	if (!buf)
		return 0;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	memcpy(buf + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	int r = hull_spec_parse(buf, n, "/bundle", &spec, &err);
	free(buf);
	if (r < 0)
		return 0;
	struct hull_seccomp_filter *f = NULL;
	hull_err_clear(&err);
	r = hull_seccomp_compile(&spec->linux_.seccomp, &f, &err);
	if (r < 0) {
		if (f || !err.msg[0])
			abort();
	} else {
		/* Present means a filter; absent means none. */
		if (!f != !spec->linux_.seccomp.present)
			abort();
		hull_seccomp_free(f);
	}
	hull_spec_free(spec);
	if (live_filters) {
		fprintf(stderr, "fuzz-seccomp: %ld libseccomp filter(s) not released\n", live_filters);
		abort();
	}
	return 0;
}
