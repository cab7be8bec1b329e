/* Helpers of the network suites: the host's links, annotations, and the
 * wait for the kernel to finish removing links it was left to remove. */
#ifndef HULL_HT_NET_H
#define HULL_HT_NET_H

#include <stdbool.h>

#include "ht.h"

/* The host's link names, sorted, one a line (malloc'd). */
char *htn_links(void);
bool htn_link_exists(const char *name);
/* Sets annotations[key] = value in t's config. */
void htn_annotate(struct ht *t, const char *key, const char *value);
/* Adds the capability (e.g. "CAP_NET_RAW") to every set of process.capabilities. */
void htn_add_cap(struct ht *t, const char *cap);
/* Waits until htn_links() equals want, woken by RTMGRP_LINK messages (no
 * sleep), 5 s at most, then asserts it: hull leaves the host end of a veth
 * to the kernel when the container's netns is already dying. */
void htn_wait_links(const char *want);
/* Waits (woken by RTMGRP_LINK in that netns, 5 s at most) until the netns
 * of nsfd has no link name, and asserts it. */
void htn_wait_link_gone(int nsfd, const char *name);

#endif
