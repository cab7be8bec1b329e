/* JSON for the state store and for what hull prints about containers.
 * runtime/state.c owns the files and locks; this owns the bytes. */
#ifndef HULL_OCI_STATE_H
#define HULL_OCI_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec.h"

/* A linux.netDevices entry as create found it on the host, so delete can
 * return it as it was. */
struct hull_state_netdev {
	char *host_name;		/* its name on the host */
	char *name;			/* its name in the container */
	bool up;			/* IFF_UP on the host */
	char **addresses;		/* CIDRs it held on the host (NULL-terminated, may be NULL) */
	size_t n_addresses;
	int index;			/* its ifindex in the container's netns; 0: not moved (yet) */
};

void hull_state_netdev_free(struct hull_state_netdev *d);

/* What hull keeps in ROOT/ID/state.json. Status is not stored: it is derived
 * from the init's liveness each time it is asked for. */
struct hull_state_file {
	char *oci_version;
	char *id;
	pid_t pid;			/* 0 while "creating" */
	uint64_t pid_start_time;	/* field 22 of /proc/PID/stat, guards pid reuse */
	char *bundle;
	char *rootfs;
	int64_t created_sec;		/* CLOCK_REALTIME at create */
	int32_t created_nsec;
	uid_t owner;
	struct hull_kvs annotations;
	char *cgroup;			/* opaque to runtime: hull_cgroup_serialize() output, or NULL */
	bool detached_init;		/* the init is not a child of a waiting `hull run` */
	bool systemd_cgroup;
	/* Which hook kinds the config has (bit 1 << enum hull_hook_kind), so
	 * start and delete parse config.json only when they must run hooks. */
	bool has_hooks;
	unsigned hooks;
	/* Networking (runtime/net.c): what create made, for delete to undo. */
	char *net_host_ifname;		/* host end of the veth, or NULL */
	char *net_bridge;		/* the bridge it is a port of, or NULL */
	bool net_bridge_created;	/* hull made the bridge */
	bool net_remove_empty;		/* delete the bridge when it has no port left */
	bool net_netns_pinned;		/* ROOT/ID/netns holds the netns (passthrough) */
	struct hull_state_netdev *net_devices;	/* linux.netDevices, to give back */
	size_t n_net_devices;
	/* Later modules (overlay) add their teardown records here. */
};

void hull_state_file_free(struct hull_state_file *st);	/* frees members, not st */

/* Serialises for state.json. Returns a malloc'd NUL-terminated string, or NULL on ENOMEM. */
char *hull_state_file_dump(const struct hull_state_file *st);

/* Parses state.json. Errors: "state.json: cause" (a field name where one is wrong). */
int hull_state_file_parse(const char *buf, size_t len, struct hull_state_file *out,
			  struct hull_err *err);

/* The runtime-spec state (ociVersion, id, status, pid, bundle, annotations)
 * plus runc's extras (rootfs, created as RFC 3339 with nanoseconds, owner),
 * as `hull state` prints it and hooks read it on stdin. pid is omitted
 * (as the spec allows) when status is "stopped" and pid is 0. Pretty-printed
 * with two-space indent when pretty. */
char *hull_state_json(const struct hull_state_file *st, const char *status, bool pretty);

/* `hull list --format json`: a JSON array of the objects above (runc's shape). */
/* runc prints the owner's user name, or "#UID" when the uid has none. */
char *hull_state_owner_name(uid_t uid);
char *hull_state_list_json(const struct hull_state_file *const *sts, const char *const *statuses,
			   size_t n);

/* `hull ps --format json`: a JSON array of pids. */
char *hull_pids_json(const pid_t *pids, size_t n);

/* The container process state sent with a seccomp notify fd to
 * linux.seccomp.listenerPath (runtime-spec config-linux.md): ociVersion,
 * fds ["seccompFd"], pid, metadata (omitted when NULL) and the state as
 * hull_state_json() has it. Compact; caller frees; NULL on ENOMEM. */
char *hull_seccomp_listener_json(const struct hull_state_file *st, const char *status,
				 const char *metadata);

/* RFC 3339 UTC with nanoseconds, as runc prints `created`: 2024-01-02T03:04:05.123456789Z */

#endif
