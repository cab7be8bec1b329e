/* The parsed OCI runtime configuration (runtime-spec 1.0 - 1.3, Linux).
 *
 * oci-spec/ turns config.json into this tree and validates it; no jansson
 * type leaves oci-spec/. Every field a Linux runtime uses is here, whether
 * or not hull acts on it yet; the "has_" flags tell a field that was absent
 * from one that was given as zero. The tree is immutable after parsing and
 * owned by the struct hull_spec (free with hull_spec_free). */
#ifndef HULL_SPEC_H
#define HULL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/cleanup.h"
#include "../base/err.h"

struct hull_kv {
	char *key;
	char *value;
};

struct hull_kvs {
	struct hull_kv *v;
	size_t n;
};

struct hull_strv {
	char **v;	/* NULL-terminated when n > 0 */
	size_t n;
};

struct hull_id_map {
	uint32_t container_id, host_id, size;
};

struct hull_id_maps {
	struct hull_id_map *v;
	size_t n;
};

/* --- process ------------------------------------------------------------ */

struct hull_rlimit {
	int resource;		/* RLIMIT_* */
	char *type;		/* "RLIMIT_NOFILE" as written */
	uint64_t soft, hard;
};

struct hull_caps {
	bool has_bounding, has_effective, has_inheritable, has_permitted, has_ambient;
	struct hull_strv bounding, effective, inheritable, permitted, ambient;
};

struct hull_scheduler {
	bool set;
	char *policy;		/* "SCHED_OTHER" ... as written */
	int policy_num;		/* SCHED_* */
	int32_t nice, priority;
	struct hull_strv flags;
	uint64_t runtime, deadline, period;
};

struct hull_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	struct hull_strv args;	/* at least one element */
	struct hull_strv env;
	char *cwd;		/* absolute */
	bool has_caps;
	struct hull_caps caps;
	struct hull_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int oom_score_adj;	/* -1000 .. 1000 */
	char *selinux_label;
	bool has_io_priority;
	char *io_priority_class;	/* "IOPRIO_CLASS_RT" | "_BE" | "_IDLE" */
	int io_priority_class_num;	/* IOPRIO_CLASS_* (1, 2, 3) */
	int io_priority;		/* 0 .. 7 */
	struct hull_scheduler scheduler;
	char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

/* --- root and mounts ---------------------------------------------------- */

struct hull_mount {
	char *destination;	/* absolute, inside the container */
	char *type;		/* may be NULL (bind mounts) */
	char *source;		/* may be NULL; bind sources resolved against the bundle */
	struct hull_strv options;	/* as written */
	/* The options, digested by the parser: */
	unsigned long flags;		/* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
	unsigned long clear_flags;	/* MS_* explicitly cleared ("rw", "suid", ...) */
	unsigned long propagation;	/* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC], 0 if none */
	uint64_t attr_set, attr_clr;	/* MOUNT_ATTR_* from recursive "r*" options (rro, rnosuid, ...) */
	char *data;			/* the options the kernel takes as data, comma-joined, or NULL */
	bool is_bind;			/* "bind"/"rbind" or type "bind" */
	bool tmpcopyup;
	bool idmap, ridmap;
	struct hull_id_maps uid_mappings, gid_mappings;
};

/* --- hooks -------------------------------------------------------------- */

struct hull_hook {
	char *path;		/* absolute */
	struct hull_strv args;
	struct hull_strv env;
	bool has_timeout;
	int timeout;		/* seconds, > 0 */
};

struct hull_hooks {
	struct hull_hook *v;
	size_t n;
};

enum hull_hook_kind {
	HULL_HOOK_PRESTART,
	HULL_HOOK_CREATE_RUNTIME,
	HULL_HOOK_CREATE_CONTAINER,
	HULL_HOOK_START_CONTAINER,
	HULL_HOOK_POSTSTART,
	HULL_HOOK_POSTSTOP,
	HULL_HOOK_KINDS
};

/* --- linux -------------------------------------------------------------- */

enum hull_ns_type {
	HULL_NS_PID,
	HULL_NS_NETWORK,
	HULL_NS_MOUNT,
	HULL_NS_IPC,
	HULL_NS_UTS,
	HULL_NS_USER,
	HULL_NS_CGROUP,
	HULL_NS_TIME,
	HULL_NS_TYPES
};

struct hull_namespace {
	bool present;		/* listed in linux.namespaces */
	char *path;		/* join this one, or NULL for a new one */
	unsigned index;		/* position in linux.namespaces, for messages */
};

struct hull_device {
	char *path;		/* absolute, inside the container */
	char type;		/* 'c', 'b', 'u', 'p' */
	int64_t major, minor;	/* -1 when absent (only allowed for 'p') */
	bool has_file_mode;
	mode_t file_mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct hull_device_rule {
	bool allow;
	char type;		/* 'a', 'c', 'b' ('a' when absent) */
	int64_t major, minor;	/* -1 = wildcard */
	char access[4];		/* subset of "rwm", "" when absent */
};

struct hull_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct hull_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct hull_throttles {
	struct hull_throttle_device *v;
	size_t n;
};

struct hull_hugepage_limit {
	char *page_size;	/* "2MB", "1GB" */
	uint64_t limit;
};

struct hull_net_priority {
	char *name;
	uint32_t priority;
};

struct hull_rdma {
	char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct hull_resources {
	bool present;

	struct hull_device_rule *devices;
	size_t n_devices;

	struct {
		bool present;
		bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp;
		bool has_swappiness, has_disable_oom_killer, has_use_hierarchy;
		bool has_check_before_update;
		int64_t limit, reservation, swap, kernel, kernel_tcp;	/* -1 = unlimited */
		uint64_t swappiness;
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;

	struct {
		bool present;
		bool has_shares, has_quota, has_burst, has_period;
		bool has_realtime_runtime, has_realtime_period, has_idle;
		uint64_t shares, burst, period, realtime_period;
		int64_t quota, realtime_runtime, idle;
		char *cpus, *mems;	/* NULL when absent */
	} cpu;

	struct {
		bool present, has_limit;
		int64_t limit;		/* <= 0 = unlimited */
	} pids;

	struct {
		bool present, has_weight, has_leaf_weight;
		uint16_t weight, leaf_weight;
		struct hull_weight_device *weight_device;
		size_t n_weight_device;
		struct hull_throttles throttle_read_bps, throttle_write_bps;
		struct hull_throttles throttle_read_iops, throttle_write_iops;
	} block_io;

	struct hull_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	struct {
		bool present, has_class_id;
		uint32_t class_id;
		struct hull_net_priority *priorities;
		size_t n_priorities;
	} network;

	struct hull_rdma *rdma;
	size_t n_rdma;

	struct hull_kvs unified;
};

struct hull_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	char *op;		/* "SCMP_CMP_EQ" ... as written */
	int op_num;		/* enum scmp_compare value (SCMP_CMP_NE = 1 ... SCMP_CMP_MASKED_EQ = 7) */
};

struct hull_seccomp_rule {
	struct hull_strv names;
	char *action;		/* "SCMP_ACT_ERRNO" ... as written */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct hull_seccomp_arg *args;
	size_t n_args;
};

struct hull_seccomp {
	bool present;
	char *default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct hull_strv architectures;	/* "SCMP_ARCH_X86_64" ... */
	struct hull_strv flags;		/* "SECCOMP_FILTER_FLAG_LOG" ... */
	char *listener_path, *listener_metadata;
	struct hull_seccomp_rule *syscalls;
	size_t n_syscalls;
};

struct hull_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct hull_net_device {
	char *host_name;	/* the key of linux.netDevices */
	char *name;		/* name in the container; the host name when absent */
};

struct hull_linux {
	struct hull_namespace ns[HULL_NS_TYPES];
	struct hull_id_maps uid_mappings, gid_mappings;
	struct hull_time_offset time_monotonic, time_boottime;
	struct hull_device *devices;
	size_t n_devices;
	struct hull_net_device *net_devices;
	size_t n_net_devices;
	char *cgroups_path;	/* NULL when absent */
	struct hull_resources resources;
	char *rootfs_propagation;	/* as written, or NULL */
	unsigned long rootfs_propagation_flags;	/* MS_* (with MS_REC), 0 when absent */
	struct hull_seccomp seccomp;
	struct hull_kvs sysctl;
	struct hull_strv masked_paths, readonly_paths;
	char *mount_label;
	bool has_intel_rdt;
	char *rdt_clos_id, *rdt_l3_cache_schema, *rdt_mem_bw_schema;	/* NULL when absent */
	struct hull_strv rdt_schemata;
	bool rdt_enable_monitoring;
	bool has_personality;
	char *personality_domain;	/* "LINUX" | "LINUX32" */
	struct hull_strv personality_flags;
	bool has_memory_policy;
	char *memory_policy_mode, *memory_policy_nodes;
	struct hull_strv memory_policy_flags;
};

/* Shaping of one direction: a tbf qdisc (org.hull.net.*-rate). */
struct hull_net_shape {
	bool set;
	uint64_t rate;		/* bytes per second */
	uint32_t burst;		/* bytes */
};

/* Bridge or macvlan mode from the org.hull.net.* annotations
 * (net-annotations.c). Values are validated with netsetup's parsers;
 * addresses stay text. */
struct hull_net_config {
	char *bridge;		/* bridge mode: the bridge's name */
	char *macvlan;		/* macvlan mode: the parent's name (bridge and macvlan NULL: no hull networking) */
	struct hull_net_shape egress;	/* on the container's interface */
	struct hull_net_shape ingress;	/* on the host end of the veth (bridge mode) */
	char *bridge_address;	/* CIDR for a bridge hull creates, or NULL */
	bool bridge_remove_empty;
	/* org.hull.net.netdevices.give-back: linux.netDevices move back to
	 * hull's netns at delete (the spec leaves them in the container's) */
	bool netdev_give_back;
	char **addresses;	/* CIDRs, NULL-terminated (NULL when none) */
	size_t n_addresses;
	char *gateway;		/* or NULL */
	unsigned int mtu;	/* 0: kernel default */
	bool has_mac;
	unsigned char mac[6];
	char *ifname;		/* in the container; "eth0" by default */
	char *host_ifname;	/* given, or derived from the ID at create (NULL) */
};

/* An overlayfs root from the org.hull.rootfs.* annotations
 * (rootfs-annotations.c): layers == NULL means a plain root.path. */
struct hull_overlay_config {
	char **layers;		/* absolute, top first, NULL-terminated */
	size_t n_layers;
	char *upper;		/* absolute dir holding upper/ and work/, kept; or NULL */
	char *upper_size;	/* tmpfs size= of an ephemeral upper ("64m"); NULL with upper
				   or with root.readonly */
};

struct hull_spec {
	char *oci_version;
	char *bundle;		/* absolute path of the bundle directory */
	char *root_path;	/* absolute path of the rootfs */
	bool root_readonly;
	/* org.hull.cgroups.join: cgroupsPath may name a cgroup with processes */
	bool cgroups_join;
	char *hostname, *domainname;	/* NULL when absent */
	bool has_process;
	struct hull_process process;
	struct hull_mount *mounts;
	size_t n_mounts;
	struct hull_hooks hooks[HULL_HOOK_KINDS];
	struct hull_kvs annotations;
	struct hull_net_config net;	/* from annotations */
	struct hull_overlay_config overlay;	/* from annotations */
	struct hull_linux linux_;	/* "linux" is a predefined macro in gnu11 */
	char *raw;		/* the config.json bytes as read, NUL-terminated */
	size_t raw_len;
};

/* Reads BUNDLE/config.json and parses it. bundle may be relative; it is made
 * absolute. Errors are "config.json: JSON.PATH: cause". */
int hull_spec_load(const char *bundle, struct hull_spec **out, struct hull_err *err);

/* Parses a config held in memory (buf need not be NUL-terminated). */
int hull_spec_parse(const char *buf, size_t len, const char *bundle_abs,
		    struct hull_spec **out, struct hull_err *err);

void hull_spec_free(struct hull_spec *spec);

/* Parses a process object alone (`hull exec --process FILE`); errors are
 * "process.PATH: cause". On failure out holds nothing. */
int hull_process_parse(const char *buf, size_t len, struct hull_process *out,
		       struct hull_err *err);
void hull_process_free(struct hull_process *p);	/* members; zeroes p */

/* Parses a linux.resources object alone (`hull update --resources`); errors
 * are "resources.PATH: cause". On failure out holds nothing. */
int hull_resources_parse(const char *buf, size_t len, struct hull_resources *out,
			 struct hull_err *err);
void hull_resources_free(struct hull_resources *r);

/* What the runtime adds to a loaded config on its caller's behalf (runc
 * does the same for NOTIFY_SOCKET and LISTEN_FDS): a mount appended as if
 * config.json ended with {destination, type, source, options} (options
 * NULL-terminated), and KEY=VALUE set in the environment of p (replacing
 * KEY). The config.json bytes (raw) are left as they were. */
int hull_spec_add_mount(struct hull_spec *spec, const char *destination, const char *type,
			const char *source, const char *const *options, struct hull_err *err);
void hull_process_setenv(struct hull_process *p, const char *kv);

/* The hook kind's JSON name ("prestart", "createRuntime", ...). */
const char *hull_hook_kind_name(enum hull_hook_kind kind);

/* The namespace type's JSON name ("pid", "network", ...) and CLONE_NEW* flag. */
const char *hull_ns_type_name(enum hull_ns_type type);
int hull_ns_type_flag(enum hull_ns_type type);

/* Writes the default config.json (as `runc spec` does) to fd.
 * rootless: a user namespace mapping the caller's uid/gid to 0, no network
 * namespace, rootless-safe mounts, no resources. seccomp: add the default
 * profile (issue 3). */
struct hull_spec_gen_opts {
	bool rootless;
	bool seccomp;
	uid_t uid;
	gid_t gid;
	const char **args;	/* NULL for {"sh"} */
};
int hull_spec_generate(int fd, const struct hull_spec_gen_opts *opts, struct hull_err *err);


HULL_DEFINE_CLEANUP(struct hull_spec *, hull_spec_free)
#define _cleanup_spec_ __attribute__((cleanup(hull_spec_freep)))
HULL_DEFINE_CLEANUP_VALUE(struct hull_resources, hull_resources_free)
#define _cleanup_resources_ __attribute__((cleanup(hull_resources_freep)))

#endif
