/* The rootfs_overlay suite's shared helpers (rootfs-overlay.c), used by
 * rootfs-overlay-errors.c too. */
#ifndef HULL_TESTS_ROOTFS_OVERLAY_H
#define HULL_TESTS_ROOTFS_OVERLAY_H

#include "../lib/ht.h"

#define LAYERS "org.hull.rootfs.layers"
#define UPPER "org.hull.rootfs.upper"
#define UPPER_SIZE "org.hull.rootfs.upper-size"

void ovl_annotate(struct ht *t, const char *key, const char *value);

void ovl_set_root(struct ht *t, const char *path, bool readonly);

void ovl_write_file(const char *path, const char *s);

/* DIR/top: a layer adding /etc/added and whiting out /etc/group. */
void ovl_make_top(const char *dir);

bool ovl_exists(const char *path);

#endif
