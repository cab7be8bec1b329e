#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static int log_fd = -1;
static bool log_json, log_debug, warn_log_only;

void hull_log_open(const char *path, bool json, bool debug)
{
	if (log_fd >= 0)
		return;
	log_json = json;
	log_debug = debug;
	if (path)
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	else if (debug)
		log_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
}

void hull_log_use_fd(int fd, bool debug)
{
	log_fd = fd;
	log_debug = debug;
	warn_log_only = true;
}

static size_t json_escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && o + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = 0;
	return o;
}

void hull_log(const char *level, const char *fmt, ...)
{
	if (log_fd < 0 || (!strcmp(level, "debug") && !log_debug))
		return;
	char msg[2048], line[4600], when[40];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	hull_format_rfc3339(ts.tv_sec, (int32_t)ts.tv_nsec, when);
	int n;
	if (log_json) {
		char esc[4200];
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level,
			     esc, when);
	} else {
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
	}
	if (n > 0)
		(void)!write(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void hull_warn(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!warn_log_only)
		dprintf(STDERR_FILENO, "hull: warning: %s\n", msg);
	hull_log("warning", "%s", msg);
}
