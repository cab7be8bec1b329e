/* Scope-based cleanup in the manner of systemd and crun. */
#ifndef HULL_CLEANUP_H
#define HULL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void hull_freep(void *p) { free(*(void **)p); }
static inline void hull_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void hull_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void hull_closedirp(DIR **d) { if (*d) closedir(*d); }
static inline void hull_strvfreep(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define _cleanup_free_ __attribute__((cleanup(hull_freep)))
#define _cleanup_close_ __attribute__((cleanup(hull_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(hull_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(hull_closedirp)))
#define _cleanup_strv_ __attribute__((cleanup(hull_strvfreep)))

/* A module's own cleanup for a pointer to its type: defines NAMEp(type *),
 * calling fn on a non-NULL value; the module header then defines
 * _cleanup_NAME_ with it. */
#define HULL_DEFINE_CLEANUP(type, fn) \
	static inline void fn##p(type *p) \
	{ \
		if (*p) \
			fn(*p); \
	}
/* The same for a struct held by value, released by fn(&value). */
#define HULL_DEFINE_CLEANUP_VALUE(type, fn) \
	static inline void fn##p(type *p) { fn(p); }

/* Hands ownership out of a cleanup variable. */
#define steal_ptr(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define steal_fd(fd) ({ int _t = (fd); (fd) = -1; _t; })

#endif
