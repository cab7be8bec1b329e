#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "state.h"

static const char *const status_names[] = {
	[HULL_STATUS_CREATING] = "creating",
	[HULL_STATUS_CREATED] = "created",
	[HULL_STATUS_RUNNING] = "running",
	[HULL_STATUS_PAUSED] = "paused",
	[HULL_STATUS_STOPPED] = "stopped",
};

const char *hull_status_name(enum hull_status s) { return status_names[s]; }

int hull_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : fd;
}

int hull_id_validate(const char *id, struct hull_err *err)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0)
		return hull_errf(err, EINVAL, "container ID: must not be empty");
	/* It names a directory (the state dir, the cgroup). */
	if (n > NAME_MAX)
		return hull_errf(err, EINVAL, "container ID: longer than %d characters", NAME_MAX);
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
		if (alnum || (i > 0 && (ch == '_' || ch == '+' || ch == '.' || ch == '-')))
			continue;
		return hull_errf(err, EINVAL,
				 "container ID \"%s\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*", HULL_Q(id));
	}
	return 0;
}

static void container_init(struct hull_container *c)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
}

static int lock_dir(int dirfd, const char *id, struct hull_err *err)
{
	while (flock(dirfd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return hull_syserr(err, errno, "container %s: lock", id);
	}
	return 0;
}

int hull_container_claim(const char *root, const char *id, struct hull_container *c,
			 struct hull_err *err)
{
	container_init(c);
	int r = hull_id_validate(id, err);
	if (r < 0)
		return r;
	if (mkdir(root, 0711) < 0 && errno != EEXIST) {
		r = hull_mkdir_p(root, 0711, err);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *dir = hull_xasprintf("%s/%s", root, id);
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return hull_errf(err, EEXIST, "container %s already exists", id);
		return hull_syserr(err, errno, "%s", dir);
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = hull_syserr(err, errno, "%s", dir);
		rmdir(dir);
		return r;
	}
	c->dirfd = fd;
	c->id = hull_xstrdup(id);
	c->dir = steal_ptr(dir);
	r = lock_dir(fd, id, err);
	if (r < 0) {
		hull_container_remove(c, NULL);
		hull_container_close(c);
		return r;
	}
	c->locked = true;
	return 0;
}

static int read_state(struct hull_container *c, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = hull_read_file_at(c->dirfd, HULL_STATE_FILE, &buf, &len, err);
	if (r < 0)
		return r;
	r = hull_state_file_parse(buf, len, &c->st, err);
	if (r < 0)
		return r;
	if (!c->st.id || strcmp(c->st.id, c->id) != 0)
		return hull_errf(err, EINVAL, "state.json: id does not match the directory %s", c->id);
	c->has_state = true;
	return 0;
}

int hull_container_open(const char *root, const char *id, bool lock, struct hull_container *c,
			struct hull_err *err)
{
	container_init(c);
	int r = hull_id_validate(id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = hull_xasprintf("%s/%s", root, id);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return hull_errf(err, ENOENT, "container %s does not exist", id);
		return hull_syserr(err, errno, "%s", dir);
	}
	c->dirfd = fd;
	c->id = hull_xstrdup(id);
	c->dir = steal_ptr(dir);
	if (lock) {
		r = lock_dir(fd, id, err);
		if (r < 0) {
			hull_container_close(c);
			return r;
		}
		c->locked = true;
		/* The holder before us may have deleted it. */
		struct stat st;
		if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
			hull_container_close(c);
			return hull_errf(err, ENOENT, "container %s does not exist", id);
		}
	}
	struct hull_err serr = {0};
	if (read_state(c, &serr) < 0) {
		/* Not fatal here: only `delete --force` goes on without a state. */
		hull_state_file_free(&c->st);
		memset(&c->st, 0, sizeof(c->st));
		c->has_state = false;
		memcpy(c->state_err, serr.msg, sizeof(c->state_err));
		hull_err_prefix(&serr, "container %s", id);
		memcpy(c->state_err, serr.msg, sizeof(c->state_err));
	}
	return 0;
}

int hull_container_save(struct hull_container *c, struct hull_err *err)
{
	_cleanup_free_ char *json = hull_state_file_dump(&c->st);
	if (!json)
		return hull_errf(err, ENOMEM, "state.json: out of memory");
	int r = hull_write_atomic_at(c->dirfd, HULL_STATE_FILE, json, strlen(json), 0600, err);
	if (r < 0)
		hull_err_prefix(err, "%s", c->dir);
	else
		c->has_state = true;
	return r;
}

static bool cgroup_frozen(const char *serialized)
{
	bool frozen = false;
	hull_cgroup_saved_frozen(serialized, &frozen);
	return frozen;
}

enum hull_status hull_container_status(struct hull_container *c, int *pidfd)
{
	if (pidfd)
		*pidfd = -1;
	if (!c->has_state || c->st.pid <= 0) {
		/* A create in progress holds the lock; a crashed one left it free. */
		if (c->locked)
			return HULL_STATUS_STOPPED;
		_cleanup_close_ int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
			return HULL_STATUS_CREATING;
		return HULL_STATUS_STOPPED;
	}
	int fd = hull_pidfd_open(c->st.pid);
	if (fd == -ESRCH)
		return HULL_STATUS_STOPPED;
	/* Refused for another reason (a seccomp profile without pidfd_open,
	 * EMFILE, valgrind): the start time alone decides, without a pidfd. */
	if (fd < 0)
		fd = -1;
	/* Opened the pidfd first, so a start time that matches now cannot be a reused pid later. */
	uint64_t start = hull_proc_start_time(c->st.pid);
	if (start == 0 || start != c->st.pid_start_time) {
		if (fd >= 0)
			close(fd);
		return HULL_STATUS_STOPPED;
	}
	/* A zombie init (its parent has not reaped it yet) has stopped too. */
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)c->st.pid);
	_cleanup_close_ int sfd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = sfd >= 0 ? read(sfd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		buf[n] = 0;
		char *p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X')) {
			if (fd >= 0)
				close(fd);
			return HULL_STATUS_STOPPED;
		}
	}
	if (pidfd)
		*pidfd = fd;
	else if (fd >= 0)
		close(fd);
	/* Frozen wins over created and running, as in runc. */
	if (c->st.cgroup && cgroup_frozen(c->st.cgroup))
		return HULL_STATUS_PAUSED;
	if (faccessat(c->dirfd, HULL_START_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return HULL_STATUS_CREATED;
	return HULL_STATUS_RUNNING;
}

/* A directory of the state dir (notify/) with the files in it. */
static void remove_subdir(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	unlinkat(parent, name, AT_REMOVEDIR);
}

int hull_container_remove(struct hull_container *c, struct hull_err *err)
{
	if (c->dirfd < 0)
		return 0;
	_cleanup_close_ int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(steal_fd(fd)) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (unlinkat(c->dirfd, e->d_name, 0) < 0 && errno == EISDIR)
				remove_subdir(c->dirfd, e->d_name);
		}
	}
	if (rmdir(c->dir) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "%s", c->dir);
	return 0;
}

void hull_container_close(struct hull_container *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
	c->locked = false;
	free(c->id);
	free(c->dir);
	c->id = c->dir = NULL;
	hull_state_file_free(&c->st);
	memset(&c->st, 0, sizeof(c->st));
	c->has_state = false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hull_container_list(const char *root, char ***ids, size_t *n, struct hull_err *err)
{
	*ids = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return hull_syserr(err, errno, "%s", root);
	}
	size_t cap = 0;
	char **v = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		if (hull_id_validate(e->d_name, NULL) < 0)
			continue;
		if (*n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			v = hull_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = hull_xstrdup(e->d_name);
	}
	if (v) {
		v[*n] = NULL;
		qsort(v, *n, sizeof(*v), cmp_str);
	}
	*ids = v;
	return 0;
}

int hull_cgroup_marks_open(void)
{
	char buf[4096];
	const char *dir = HULL_CGROUP_MARKS;
	if (geteuid() != 0) {
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (!xdg || !*xdg || snprintf(buf, sizeof(buf), "%s/hull/.cgroup-marks", xdg) >= (int)sizeof(buf))
			return -1;
		dir = buf;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		struct hull_err ignore = { 0 };
		if (hull_mkdir_p(dir, 0700, &ignore) == 0)
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	return fd;
}
