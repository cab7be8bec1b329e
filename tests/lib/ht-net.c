#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "ht-net.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *htn_links(void)
{
	char *names[1024];
	size_t n = 0;
	DIR *d = opendir("/sys/class/net");
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) && n < 1024;)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_str);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", names[i]);
		free(names[i]);
	}
	fclose(f);
	return out;
}

bool htn_link_exists(const char *name)
{
	char p[64];
	snprintf(p, sizeof(p), "/sys/class/net/%s", name);
	return access(p, F_OK) == 0;
}

void htn_annotate(struct ht *t, const char *key, const char *value)
{
	json_t *a = json_object_get(t->cfg, "annotations");
	if (!a) {
		a = json_object();
		json_object_set_new(t->cfg, "annotations", a);
	}
	json_object_set_new(a, key, json_string(value));
}

void htn_add_cap(struct ht *t, const char *cap)
{
	json_t *caps = json_object_get(json_object_get(t->cfg, "process"), "capabilities");
	const char *k;
	json_t *v;
	json_object_foreach(caps, k, v)
		json_array_append_new(v, json_string(cap));
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

void htn_wait_links(const char *want)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ck_assert_int_ge(s, 0);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *now = htn_links();
	/* Subscribed before the look: a removal in between still wakes us. */
	while (strcmp(now, want) && ms_since(&t0) < 5000) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, (int)(5000 - ms_since(&t0))) > 0) {
			char buf[16384];
			while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
		free(now);
		now = htn_links();
	}
	close(s);
	ck_assert_str_eq(now, want);
	free(now);
}

struct ns_sock {
	int nsfd, sock;
};

/* A thread's setns changes only the thread: the socket is born there. */
static void *sock_in_ns(void *arg)
{
	struct ns_sock *a = arg;
	a->sock = setns(a->nsfd, CLONE_NEWNET) == 0 ? socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) : -1;
	return NULL;
}

static bool link_in_ns(int nsfd, const char *name)
{
	char cmd[128], path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", nsfd);
	snprintf(cmd, sizeof(cmd), "nsenter --net=%s ip link show %s >/dev/null 2>&1", path, name);
	return system(cmd) == 0;
}

void htn_wait_link_gone(int nsfd, const char *name)
{
	struct ns_sock a = { .nsfd = nsfd, .sock = -1 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, sock_in_ns, &a), 0);
	pthread_join(th, NULL);
	ck_assert_int_ge(a.sock, 0);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	ck_assert_int_eq(bind(a.sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool there = link_in_ns(nsfd, name);
	while (there && ms_since(&t0) < 5000) {
		struct pollfd p = { .fd = a.sock, .events = POLLIN };
		if (poll(&p, 1, (int)(5000 - ms_since(&t0))) > 0) {
			char buf[16384];
			while (recv(a.sock, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
		there = link_in_ns(nsfd, name);
	}
	close(a.sock);
	ck_assert_msg(!there, "link %s still there after 5 s", name);
}
