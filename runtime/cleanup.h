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

/* Hands ownership out of a cleanup variable. */
#define steal_ptr(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define steal_fd(fd) ({ int _t = (fd); (fd) = -1; _t; })

#endif
