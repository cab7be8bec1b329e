/* The commands that put a process into a container (create, run, exec) run
 * from a copy of hull the container cannot write (CVE-2019-5736): until it
 * execs, that process is hull, and a container that makes it exec
 * /proc/self/exe, or that ptraces it, must find no way to the host's file.
 *
 * The copy is a read-only bind of the binary on a detached mount
 * (open_tree + mount_setattr, as crun does): no bytes are copied and the
 * page cache is shared; a write through /proc/PID/exe gets EROFS, and the
 * mount is reachable from no namespace, so nobody can make it writable.
 * Where hull may not make mounts (an unprivileged hull), a sealed memfd
 * copy takes its place (F_SEAL_WRITE: EPERM). hull then re-executes itself
 * from the copy, once, before it has opened anything. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mount.h>

#include "../base/cleanup.h"
#include "sealed-exe.h"

/* The mount id of the read-only copy we re-executed from; a value nobody
 * else can guess names the detached mount we made. */
#define ENV_MARK "_HULL_RO_EXE"
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static uint64_t mount_id(int fd)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID))
		return 0;
	return sx.stx_mnt_id;
}

static bool is_protected(int exe)
{
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS)
		return true;
	const char *mark = getenv(ENV_MARK);
	struct statvfs vfs;
	if (!mark || fstatvfs(exe, &vfs) < 0 || !(vfs.f_flag & ST_RDONLY))
		return false;
	char want[32];
	snprintf(want, sizeof(want), "%llu", (unsigned long long)mount_id(exe));
	return strcmp(mark, want) == 0;
}

/* A detached read-only bind of the running binary, or -errno. */
static int ro_clone(int exe)
{
	int tree = (int)syscall(SYS_open_tree, exe, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;
		close(tree);
		return -e;
	}
	return tree;
}

static int memfd_copy(int exe)
{
	struct stat st;
	if (fstat(exe, &st) < 0)
		return -errno;
	_cleanup_close_ int mfd = memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, exe, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return -errno;
	return steal_fd(mfd);
}

int hull_exe_seal(char **argv, struct hull_err *err)
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return hull_syserr(err, errno, "/proc/self/exe");
	if (is_protected(exe)) {
		unsetenv(ENV_MARK);
		return 0;
	}
	if (getenv(ENV_MARK))
		return hull_errf(err, EPERM, "/proc/self/exe: the read-only copy of hull is writable");
	_cleanup_close_ int copy = ro_clone(exe);
	if (copy >= 0) {
		char mark[32];
		snprintf(mark, sizeof(mark), "%llu", (unsigned long long)mount_id(copy));
		if (setenv(ENV_MARK, mark, 1) < 0)
			return hull_syserr(err, errno, "setenv");
	} else if ((copy = memfd_copy(exe)) < 0) {
		return hull_syserr(err, -copy, "a sealed copy of hull");
	}
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	int e = errno;
	unsetenv(ENV_MARK);
	return hull_syserr(err, e, "re-execute hull from its read-only copy");
}
