/* One error per call chain: the innermost failure names the object and the
 * cause; callers may prefix context but never overwrite a set message. */
#ifndef HULL_ERR_H
#define HULL_ERR_H

#include <errno.h>
#include <stdarg.h>

#define HULL_ERR_MAX 1024

struct hull_err {
	int code;		/* negative errno, 0 when unset */
	char msg[HULL_ERR_MAX];	/* "object: cause", no "hull: " prefix, no newline */
};

/* Sets err (if not already set) and returns -errnum (errnum > 0), so callers
 * can write `return hull_errf(err, EINVAL, "x: bad");`. */
int hull_errf(struct hull_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As hull_errf, appending ": strerror(errnum)". */
int hull_syserr(struct hull_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes an already set message with "prefix: ". A message longer than
 * HULL_ERR_MAX - 1 loses its middle, never its end (the cause). */
void hull_err_prefix(struct hull_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A value echoed in a message, at most HULL_VALUE_MAX - 1 bytes: a longer
 * one keeps its head and its tail. HULL_Q(s) gives a buffer that lives
 * until the end of the enclosing block (a compound literal). */
#define HULL_VALUE_MAX 160
const char *hull_err_value(char buf[HULL_VALUE_MAX], const char *s);
#define HULL_Q(s) hull_err_value((char[HULL_VALUE_MAX]){ 0 }, (s))

static inline void hull_err_clear(struct hull_err *err) { err->code = 0; err->msg[0] = 0; }

#endif
