#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* The bytes kept from the start of a message too long for err->msg; the
 * rest of the room goes to its end, where the cause is. */
#define KEEP_HEAD 320
#define CUT_MARK " [...] "

/* Copies s into msg, cutting its middle when it does not fit: a long value
 * echoed in it (a path, an ID) loses its middle, the cause at the end
 * stays whole. */
static void store(char msg[HULL_ERR_MAX], const char *s)
{
	size_t len = strlen(s);
	if (len < HULL_ERR_MAX) {
		memcpy(msg, s, len + 1);
		return;
	}
	size_t mark = strlen(CUT_MARK), tail = HULL_ERR_MAX - 1 - KEEP_HEAD - mark;
	memcpy(msg, s, KEEP_HEAD);
	memcpy(msg + KEEP_HEAD, CUT_MARK, mark);
	memcpy(msg + KEEP_HEAD + mark, s + len - tail, tail + 1);
}

static int verr(struct hull_err *err, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = EINVAL;
	if (!err || err->code)
		return -errnum;
	err->code = -errnum;
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(errnum));
		return -errnum;
	}
	if (with_strerror) {
		char *t = NULL;
		if (asprintf(&t, "%s: %s", s, strerror(errnum)) >= 0) {
			free(s);
			s = t;
		}
	}
	store(err->msg, s);
	free(s);
	return -errnum;
}

int hull_errf(struct hull_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = verr(err, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int hull_syserr(struct hull_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = verr(err, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

void hull_err_prefix(struct hull_err *err, const char *fmt, ...)
{
	if (!err || !err->code)
		return;
	char *prefix = NULL, *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (asprintf(&s, "%s: %s", prefix, err->msg) >= 0)
		store(err->msg, s);
	free(prefix);
	free(s);
}

const char *hull_err_value(char buf[HULL_VALUE_MAX], const char *s)
{
	if (!s)
		return "";
	size_t len = strlen(s);
	if (len < HULL_VALUE_MAX)
		return s;
	/* head and tail of the value, "..." between */
	size_t head = (HULL_VALUE_MAX - 4) * 3 / 4, tail = HULL_VALUE_MAX - 4 - head;
	memcpy(buf, s, head);
	memcpy(buf + head, "...", 3);
	memcpy(buf + head + 3, s + len - tail, tail + 1);
	return buf;
}
