#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../oci-spec/spec.h"
#include "../runtime/features.h"
#include "cli.h"

enum { OPT_ROOTLESS = 256, OPT_SECCOMP };

int hull_cmd_spec(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, OPT_ROOTLESS },
		{ "seccomp", no_argument, NULL, OPT_SECCOMP },
		{ 0 },
	};
	struct hull_spec_gen_opts o = { .uid = getuid(), .gid = getgid() };
	const char *bundle = ".";
	int ch;
	(void)g;
	while ((ch = hull_getopt(argc, argv, "spec", "b:", opts, err)) != -1) {
		switch (ch) {
		case 'b': bundle = optarg; break;
		case OPT_ROOTLESS: o.rootless = true; break;
		case OPT_SECCOMP: o.seccomp = true; break;
		default: return 1;
		}
	}
	if (hull_operands(argc, argv, "spec", "", 0, 0, err) < 0)
		return 1;
	_cleanup_close_ int dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_syserr(err, errno, "spec: --bundle %s", bundle), 1;
	/* runc refuses to overwrite an existing config.json */
	_cleanup_close_ int fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return hull_errf(err, EEXIST, "spec: %s/config.json: already exists", bundle), 1;
		return hull_syserr(err, errno, "spec: %s/config.json", bundle), 1;
	}
	if (hull_spec_generate(fd, &o, err) < 0) {
		unlinkat(dfd, "config.json", 0);
		return 1;
	}
	return 0;
}

int hull_cmd_features(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option none[] = { { 0 } };
	(void)g;
	if (hull_getopt(argc, argv, "features", "", none, err) != -1 ||
	    hull_operands(argc, argv, "features", "", 0, 0, err) < 0)
		return 1;
	_cleanup_free_ char *s = hull_features_json(HULL_VERSION);
	if (!s)
		return hull_errf(err, ENOMEM, "features: out of memory"), 1;
	printf("%s\n", s);
	return 0;
}
