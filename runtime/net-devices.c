/* linux.netDevices: host devices moved into the container's netns, set
 * up there (runtime-spec 1.3), under the name the config gives or the
 * kernel picks from a "%d" template. As the spec says, they stay in that
 * netns until it goes at delete: then the kernel gives a physical device
 * back to the initial netns and destroys a virtual one. With
 * org.hull.net.netdevices.give-back, delete moves them back instead as
 * they were (name, permanent addresses, up).
 *
 * The kernel flushes a device's addresses when it changes netns, so they
 * are read first and put back on each side. The container's netns is pinned
 * (a bind mount in the state dir) for as long as the devices are in it:
 * otherwise a virtual device would die with the container's last process
 * and a physical one would fall back to the initial netns on its own. A
 * device is found again by its ifindex there, which a rename inside the
 * container does not change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../namespaces/namespaces.h"
#include "net-internal.h"

static int record(struct hull_nl *host, const struct hull_net_device *d,
		  struct hull_state_netdev *rec, struct hull_err *err)
{
	struct hull_link_info li;
	struct hull_err tmp = { 0 };
	int r = hull_link_info(host, d->host_name, &li, &tmp);
	if (r == -ENODEV)
		return hull_errf(err, ENODEV, "linux.netDevices.%s: no such device in hull's network "
				 "namespace (absent, or already in another one)", d->host_name);
	if (r < 0)
		return hull_errf(err, -r, "linux.netDevices.%s: %s", d->host_name, tmp.msg);
	struct hull_net_addr *addrs = NULL;
	size_t n = 0;
	if ((r = hull_addr_list(host, d->host_name, &addrs, &n, err)) < 0)
		return r;
	rec->host_name = hull_xstrdup(d->host_name);
	rec->name = hull_xstrdup(d->name);
	rec->up = li.up;
	rec->addresses = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char buf[HULL_NET_ADDR_STRLEN];
		rec->addresses[rec->n_addresses++] =
			hull_xstrdup(hull_net_addr_format(&addrs[i], buf, sizeof(buf)));
	}
	free(addrs);
	return 0;
}

/* Addresses and the up flag, in whatever netns nl is: what the move took
 * (inside, the link is up whatever it was). */
static int restore(struct hull_nl *nl, const char *ifname, const struct hull_state_netdev *rec, bool up,
		   struct hull_err *err)
{
	for (size_t i = 0; i < rec->n_addresses; i++) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(rec->addresses[i], &a) < 0)
			return hull_errf(err, EINVAL, "link %s: recorded address %s: invalid", ifname,
					 rec->addresses[i]);
		int r = hull_addr_add(nl, ifname, &a, err);
		if (r < 0)
			return r;
	}
	return up ? hull_link_set_up(nl, ifname, true, err) : 0;
}

int hull_net_devices_move_in(const struct hull_spec *spec, struct hull_container *c, pid_t pid,
			     int nsfd, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	struct hull_state_file *st = &c->st;
	_cleanup_nl_ struct hull_nl *host = NULL, *inside = NULL;
	int r = hull_nl_open(-1, &host, err);
	if (r == 0)
		r = hull_nl_open(nsfd, &inside, err);
	if (r < 0)
		return r;
	/* Everything is looked at before anything moves. */
	st->net_devices = hull_xcalloc(l->n_net_devices, sizeof(*st->net_devices));
	for (size_t i = 0; i < l->n_net_devices; i++) {
		if ((r = record(host, &l->net_devices[i], &st->net_devices[i], err)) < 0)
			return r;
		st->n_net_devices++;
	}
	if ((r = hull_ns_pin(pid, "net", c->dirfd, HULL_NETNS_FILE, err)) < 0)
		return r;
	st->net_netns_pinned = true;
	if ((r = hull_container_save(c, err)) < 0)
		return r;

	for (size_t i = 0; i < st->n_net_devices; i++) {
		struct hull_state_netdev *d = &st->net_devices[i];
		int index = hull_link_index(host, d->host_name, err);
		if (index < 0)
			return index;
		r = hull_link_move(host, d->host_name, nsfd, d->name, err);
		if (r == -EEXIST)
			return hull_errf(err, EEXIST, "linux.netDevices.%s: the container already has a "
					 "link named %s", d->host_name, d->name);
		if (r < 0) {
			hull_err_prefix(err, "linux.netDevices.%s", d->host_name);
			return r;
		}
		/* The name it has there: the one given, or the template's pick. */
		char now[16];
		if ((r = hull_link_name(inside, index, now, err)) < 0)
			return r;
		free(d->name);
		d->name = hull_xstrdup(now);
		d->index = index;
		/* Saved per device: a teardown must know exactly which ones moved. */
		if ((r = hull_container_save(c, err)) < 0 || (r = restore(inside, d->name, d, true, err)) < 0)
			return r;
	}
	/* As runc: a fresh netns gets its loopback up (a mode did it already). */
	if (!spec->net.bridge && !spec->net.macvlan)
		r = hull_link_set_up(inside, "lo", true, err);
	return r;
}

static bool gives_back(const struct hull_state_file *st)
{
	for (size_t i = 0; i < st->annotations.n; i++)
		if (!strcmp(st->annotations.v[i].key, "org.hull.net.netdevices.give-back"))
			return !strcmp(st->annotations.v[i].value, "true");
	return false;
}

int hull_net_devices_move_out(struct hull_container *c, bool give_back, struct hull_err *err)
{
	struct hull_state_file *st = &c->st;
	if (!give_back && !gives_back(st))
		return 0;	/* they go with the netns, when the pin goes */
	size_t moved = 0;
	for (size_t i = 0; i < st->n_net_devices; i++)
		moved += st->net_devices[i].index > 0;
	if (!moved || !st->net_netns_pinned)
		return 0;
	struct hull_err tmp = { 0 };
	_cleanup_close_ int nsfd = hull_ns_open_pinned(c->dirfd, HULL_NETNS_FILE, &tmp);
	/* The pin is gone (a delete that got this far before): so are they. */
	if (nsfd < 0)
		return 0;
	_cleanup_close_ int hostfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (hostfd < 0)
		return hull_syserr(err, errno, "/proc/self/ns/net");
	_cleanup_nl_ struct hull_nl *host = NULL, *inside = NULL;
	int r = hull_nl_open(-1, &host, err);
	if (r == 0)
		r = hull_nl_open(nsfd, &inside, err);
	/* Last in, first out, so the host sees them come back in its order. */
	for (size_t i = st->n_net_devices; r == 0 && i-- > 0;) {
		const struct hull_state_netdev *d = &st->net_devices[i];
		char now[16];
		if (d->index <= 0)
			continue;
		r = hull_link_name(inside, d->index, now, &tmp);
		if (r == -ENODEV) {	/* deleted inside the container */
			r = 0;
			continue;
		}
		if (r < 0)
			return hull_errf(err, -r, "linux.netDevices.%s: %s", d->host_name, tmp.msg);
		r = hull_link_move(inside, now, hostfd, d->host_name, &tmp);
		if (r == -EEXIST)
			return hull_errf(err, EEXIST, "linux.netDevices.%s: cannot return it: the host has "
					 "a link of that name now", d->host_name);
		if (r < 0)
			return hull_errf(err, -r, "linux.netDevices.%s: %s", d->host_name, tmp.msg);
		r = restore(host, d->host_name, d, d->up, err);
	}
	return r;
}
