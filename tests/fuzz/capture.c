/* Seeds for the fuzz corpora (see seed.sh). Linked into the unit test
 * runner with -Wl,--wrap=hull_spec_parse,--wrap=hull_state_file_parse,
 * --wrap=hull_resources_parse,--wrap=hull_process_parse, it saves every
 * input the unit tests hand to the parsers under $HULL_FUZZ_CAPTURE/TARGET/,
 * in each fuzz target's input format. Built with -DHULL_CAPTURE_MAIN it is a
 * command doing the same for files: `capture spec|state|resources FILE...`.
 * Not part of hull or of the fuzz targets. */
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../oci-spec/spec.h"
#include "../../oci-spec/state.h"

int __real_hull_spec_parse(const char *buf, size_t len, const char *bundle_abs,
			   struct hull_spec **out, struct hull_err *err);
int __real_hull_state_file_parse(const char *buf, size_t len, struct hull_state_file *out,
				 struct hull_err *err);
int __real_hull_resources_parse(const char *buf, size_t len, struct hull_resources *out,
				struct hull_err *err);
int __real_hull_process_parse(const char *buf, size_t len, struct hull_process *out,
			      struct hull_err *err);
int __wrap_hull_spec_parse(const char *buf, size_t len, const char *bundle_abs,
			   struct hull_spec **out, struct hull_err *err);
int __wrap_hull_state_file_parse(const char *buf, size_t len, struct hull_state_file *out,
				 struct hull_err *err);
int __wrap_hull_resources_parse(const char *buf, size_t len, struct hull_resources *out,
				struct hull_err *err);
int __wrap_hull_process_parse(const char *buf, size_t len, struct hull_process *out,
			      struct hull_err *err);

static void save(const char *target, const void *buf, size_t len)
{
	const char *dir = getenv("HULL_FUZZ_CAPTURE");
	if (!dir || !len)
		return;
	uint64_t h = 14695981039346656037u;	/* FNV-1a names: duplicates collapse */
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const unsigned char *)buf)[i]) * 1099511628211u;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%016" PRIx64, dir, target, h);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, buf, len) != (ssize_t)len)
		unlink(path);
	close(fd);
}

static void save_json(const char *target, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (s)
		save(target, s, strlen(s));
	free(s);
}

/* process.capabilities in fuzz-caps's format: "<A-E>NAME" lines. */
static void save_caps(json_t *caps)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	if (!json_is_object(caps))
		return;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		return;
	for (int s = 0; s < 5; s++) {
		json_t *a = json_object_get(caps, sets[s]), *e;
		size_t i;
		json_array_foreach(a, i, e)
			if (json_is_string(e))
				fprintf(f, "%c%s\n", 'A' + s, json_string_value(e));
	}
	fclose(f);
	save("caps", out, n);
	free(out);
}

/* The annotations (and netDevices) of a config in fuzz-annotations's format. */
static void save_annotations(json_t *top)
{
	json_t *ann = json_object_get(top, "annotations"), *lx = json_object_get(top, "linux");
	json_t *devs = json_object_get(lx, "netDevices"), *nss = json_object_get(lx, "namespaces");
	if (!json_is_object(ann) && !json_is_object(devs))
		return;
	unsigned char flags = 0;
	size_t i;
	json_t *e;
	json_array_foreach(nss, i, e) {
		const char *t = json_string_value(json_object_get(e, "type"));
		if (t && !strcmp(t, "network"))
			flags |= json_object_get(e, "path") ? 2 : 1;
		if (t && !strcmp(t, "user"))
			flags |= 8;
	}
	if (json_is_true(json_object_get(json_object_get(top, "root"), "readonly")))
		flags |= 4;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		return;
	fputc(flags, f);
	const char *k;
	json_object_foreach(ann, k, e)
		fprintf(f, "%s=%s\n", k, json_is_string(e) ? json_string_value(e) : "");
	json_object_foreach(devs, k, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		fprintf(f, "netdev:%s=%s\n", k, name ? name : "");
	}
	fclose(f);
	save("annotations", out, n);
	free(out);
}

int __wrap_hull_spec_parse(const char *buf, size_t len, const char *bundle_abs,
			   struct hull_spec **out, struct hull_err *err)
{
	save("spec", buf, len);
	json_t *top = json_loadb(buf, len, 0, NULL);
	if (top) {
		json_t *lx = json_object_get(top, "linux");
		save_json("seccomp", json_object_get(lx, "seccomp"));
		save_json("resources", json_object_get(lx, "resources"));
		save_caps(json_object_get(json_object_get(top, "process"), "capabilities"));
		save_annotations(top);
		json_decref(top);
	}
	return __real_hull_spec_parse(buf, len, bundle_abs, out, err);
}

int __wrap_hull_state_file_parse(const char *buf, size_t len, struct hull_state_file *out,
				 struct hull_err *err)
{
	save("state", buf, len);
	return __real_hull_state_file_parse(buf, len, out, err);
}

int __wrap_hull_resources_parse(const char *buf, size_t len, struct hull_resources *out,
				struct hull_err *err)
{
	save("resources", buf, len);
	return __real_hull_resources_parse(buf, len, out, err);
}

int __wrap_hull_process_parse(const char *buf, size_t len, struct hull_process *out,
			      struct hull_err *err)
{
	json_t *top = json_loadb(buf, len, 0, NULL);
	if (top)
		save_caps(json_object_get(top, "capabilities"));
	json_decref(top);
	return __real_hull_process_parse(buf, len, out, err);
}

#ifdef HULL_CAPTURE_MAIN
int main(int argc, char **argv)
{
	if (argc < 2 || !getenv("HULL_FUZZ_CAPTURE")) {
		fprintf(stderr, "usage: HULL_FUZZ_CAPTURE=DIR %s spec|state|resources FILE...\n", argv[0]);
		return 2;
	}
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = fopen(argv[i], "re"), *m = open_memstream(&buf, &len);
		if (!f || !m) {
			perror(argv[i]);
			return 1;
		}
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			fwrite(chunk, 1, n, m);
		fclose(f);
		fclose(m);
		struct hull_err err = { 0 };
		int r = -EINVAL;
		if (!strcmp(argv[1], "spec")) {
			struct hull_spec *spec = NULL;
			r = __wrap_hull_spec_parse(buf, len, "/bundle", &spec, &err);
			if (r == 0)
				hull_spec_free(spec);
		} else if (!strcmp(argv[1], "state")) {
			struct hull_state_file st;
			r = __wrap_hull_state_file_parse(buf, len, &st, &err);
			if (r == 0)
				hull_state_file_free(&st);
		} else if (!strcmp(argv[1], "resources")) {
			struct hull_resources res;
			r = __wrap_hull_resources_parse(buf, len, &res, &err);
			if (r == 0)
				hull_resources_free(&res);
		} else {
			fprintf(stderr, "%s: unknown kind %s\n", argv[0], argv[1]);
			return 2;
		}
		if (r < 0) {
			fprintf(stderr, "%s: %s: %s (kept as a seed)\n", argv[0], argv[i], err.msg);
			rc = 1;
		}
		free(buf);
	}
	return rc;
}
#endif
