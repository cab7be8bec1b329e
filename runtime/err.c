#include <stdio.h>
#include <string.h>

#include "err.h"

static int verr(struct hull_err *err, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = EINVAL;
	if (!err || err->code)
		return -errnum;
	err->code = -errnum;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (with_strerror && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
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
	char tmp[HULL_ERR_MAX];
	va_list ap;

	if (!err || !err->code)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp) - 2)
		return;
	size_t used = (size_t)n;
	tmp[used++] = ':';
	tmp[used++] = ' ';
	size_t rest = strnlen(err->msg, sizeof(err->msg));
	if (rest > sizeof(tmp) - 1 - used)
		rest = sizeof(tmp) - 1 - used;
	memcpy(tmp + used, err->msg, rest);
	tmp[used + rest] = 0;
	memcpy(err->msg, tmp, sizeof(tmp));
}
