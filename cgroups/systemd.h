/* cgroups/ internals of the systemd driver (--systemd-cgroup): the unit's
 * name and place from linux.cgroupsPath, the unit properties, the D-Bus
 * client. Nothing outside cgroups/ (but its tests) includes this. */
#ifndef HULL_CGROUPS_SYSTEMD_H
#define HULL_CGROUPS_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../oci-spec/spec.h"

/* --- systemd-path.c: "slice:prefix:name" as runc reads it -------------- */

struct hull_sd_unit {
	char *slice;	/* "system.slice" */
	char *name;	/* "hull-abc.scope" */
	char *path;	/* "/system.slice/hull-abc.scope", below a hierarchy's root */
};

/* Reads linux.cgroupsPath (NULL or "": "system.slice:hull:ID"); an empty
 * slice is system.slice, an empty prefix gives "name.scope". */
int hull_sd_unit_parse(const char *cgroups_path, const char *id, struct hull_sd_unit *u,
		       struct hull_err *err);
void hull_sd_unit_free(struct hull_sd_unit *u);

/* systemd's slice nesting: "a-b.slice" is "/a.slice/a-b.slice", "-.slice"
 * is "/". */
int hull_sd_slice_path(const char *slice, char **path, struct hull_err *err);

/* --- systemd-props.c: unit properties ----------------------------------- */

/* One property of a transient unit: a D-Bus type and its value. */
struct hull_sd_prop {
	char *name;
	char type[4];		/* "t", "x", "u", "i", "q", "n", "y", "b", "d", "s", "ay", "as" */
	uint64_t u;		/* t u q y, and b (0 or 1) */
	int64_t i;		/* x i n */
	double d;
	char *s;
	uint8_t *bytes;		/* ay */
	size_t n_bytes;
	char **strv;		/* as */
	size_t n_strv;
};

struct hull_sd_props {
	struct hull_sd_prop *v;
	size_t n;
};

/* The properties systemd owns for what res asks (v2: cgroup v2 names,
 * else the v1 ones), as runc sets them; what systemd has no property for
 * is left to the cgroupfs writes. */
int hull_sd_props_resources(struct hull_sd_props *p, const struct hull_resources *res, bool v2,
			    struct hull_err *err);

/* org.systemd.property.NAME = VALUE annotations (VALUE in GVariant text:
 * true, 'str', uint64 5, @t 5, 5, 1.5, ['a', 'b']); a NAME ending in
 * lowercase + "Sec" becomes ...USec with the value in microseconds. */
int hull_sd_props_annotations(struct hull_sd_props *p, const struct hull_kvs *annotations,
			      struct hull_err *err);

/* Parses one GVariant text value into p's type and value. */
int hull_sd_parse_variant(const char *text, struct hull_sd_prop *p, struct hull_err *err);

/* Adds (or replaces) a property; the helpers copy their arguments. */
struct hull_sd_prop *hull_sd_props_add(struct hull_sd_props *p, const char *name, const char *type);
void hull_sd_props_u64(struct hull_sd_props *p, const char *name, uint64_t v);
void hull_sd_props_bool(struct hull_sd_props *p, const char *name, bool v);
void hull_sd_props_str(struct hull_sd_props *p, const char *name, const char *v);
const struct hull_sd_prop *hull_sd_props_get(const struct hull_sd_props *p, const char *name);
void hull_sd_props_remove(struct hull_sd_props *p, const char *name);
void hull_sd_props_free(struct hull_sd_props *p);

/* A cpuset list ("0-3,7") as systemd's AllowedCPUs bit mask (byte k holds
 * CPUs 8k..8k+7). */
int hull_sd_cpuset_mask(const char *list, uint8_t **bytes, size_t *n, struct hull_err *err);

/* --- systemd.c: the manager's state in struct hull_cgroup --------------- */

struct hull_sd_bus;
struct hull_cg_sd {
	char *unit;			/* "hull-abc.scope" */
	char *slice;
	struct hull_sd_props props;	/* create: the unit's properties */
	struct hull_sd_bus *bus;	/* connected on first use */
	/* The unit is ours: StartTransientUnit sent and not answered
	 * UnitExists (or a loaded record). A unit that existed is another
	 * container's: a failed create must not kill or stop it. */
	bool ours;
};

void hull_cg_sd_free(struct hull_cg_sd *sd);

/* --- systemd-bus.c: the D-Bus client (libsystemd's sd-bus, dlopen'd) --- */

struct hull_sd_bus;

/* Loads libsystemd and connects to the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket). */
int hull_sd_bus_open(struct hull_sd_bus **out, struct hull_err *err);
void hull_sd_bus_close(struct hull_sd_bus *b);

/* StartTransientUnit(name, "replace", props + PIDs [pid], []) and the
 * wait for its job (JobRemoved); -EEXIST when the unit exists. */
int hull_sd_start_unit(struct hull_sd_bus *b, const char *name, const struct hull_sd_props *props, pid_t pid,
		       struct hull_err *err);
/* SetUnitProperties(name, runtime, props). */
int hull_sd_set_properties(struct hull_sd_bus *b, const char *name, const struct hull_sd_props *props,
			   struct hull_err *err);
/* StopUnit(name, "replace") and the wait; a unit that is gone is success. */
int hull_sd_stop_unit(struct hull_sd_bus *b, const char *name, struct hull_err *err);
/* ResetFailedUnit(name); a unit that is gone is success. */
int hull_sd_reset_failed(struct hull_sd_bus *b, const char *name, struct hull_err *err);
/* The unit's ActiveState ("active", "failed", ...); -ENOENT without it. */
int hull_sd_active_state(struct hull_sd_bus *b, const char *name, char **state, struct hull_err *err);

#endif
