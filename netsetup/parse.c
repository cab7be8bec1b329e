/* Text forms: CIDR addresses and tc's rate and size syntax. Strict: the
 * whole string must match, numbers are plain decimals. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "netsetup.h"

int hull_net_ip_parse(const char *s, struct hull_net_addr *a)
{
	struct hull_net_addr r = { 0 };
	if (!s)
		return -EINVAL;
	if (strchr(s, ':')) {
		r.family = AF_INET6;
		r.prefix = 128;
	} else {
		r.family = AF_INET;
		r.prefix = 32;
	}
	/* inet_pton takes only dotted quads for IPv4 (no "1.2.3", no octal). */
	if (inet_pton(r.family, s, r.addr) != 1)
		return -EINVAL;
	*a = r;
	return 0;
}

int hull_net_addr_parse(const char *s, struct hull_net_addr *a)
{
	if (!s)
		return -EINVAL;
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash - s >= 64)
		return -EINVAL;
	char ip[64];
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;

	const char *p = slash + 1;
	size_t digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 3 || p[digits] || (digits > 1 && p[0] == '0'))
		return -EINVAL;
	unsigned int prefix = (unsigned int)atoi(p);

	struct hull_net_addr r;
	if (hull_net_ip_parse(ip, &r) < 0 || prefix > r.prefix)
		return -EINVAL;
	r.prefix = (unsigned char)prefix;
	*a = r;
	return 0;
}

const char *hull_net_addr_format(const struct hull_net_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (!inet_ntop(a->family, a->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s/%u", ip, a->prefix);
	return buf;
}

struct unit {
	const char *name;
	double factor;
};

/* A decimal number ("10", "1.5") and what follows it. */
static int number(const char *s, double *v, const char **rest)
{
	size_t i = strspn(s, "0123456789");
	if (i == 0)
		return -EINVAL;
	if (s[i] == '.') {
		size_t f = strspn(s + i + 1, "0123456789");
		if (f == 0)
			return -EINVAL;
		i += 1 + f;
	}
	char buf[64];
	if (i >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, i);
	buf[i] = 0;
	*v = strtod(buf, NULL);
	*rest = s + i;
	return 0;
}

static int scaled(const char *s, const struct unit *units, size_t nunits, double *out)
{
	double v;
	const char *unit;
	if (!s || number(s, &v, &unit) < 0)
		return -EINVAL;
	for (size_t i = 0; i < nunits; i++)
		if (!strcasecmp(unit, units[i].name)) {
			*out = v * units[i].factor;
			return 0;
		}
	return -EINVAL;
}

/* In bits per second, as iproute2's tc (which prints bare numbers as bit/s). */
static const struct unit rate_units[] = {
	{ "", 1. },
	{ "bit", 1. },
	{ "kibit", 1024. },
	{ "kbit", 1000. },
	{ "mibit", 1024. * 1024. },
	{ "mbit", 1000000. },
	{ "gibit", 1024. * 1024. * 1024. },
	{ "gbit", 1000000000. },
	{ "tibit", 1024. * 1024. * 1024. * 1024. },
	{ "tbit", 1000000000000. },
	{ "bps", 8. },
	{ "kibps", 8. * 1024. },
	{ "kbps", 8000. },
	{ "mibps", 8. * 1024. * 1024. },
	{ "mbps", 8000000. },
	{ "gibps", 8. * 1024. * 1024. * 1024. },
	{ "gbps", 8000000000. },
	{ "tibps", 8. * 1024. * 1024. * 1024. * 1024. },
	{ "tbps", 8000000000000. },
};

int hull_rate_parse(const char *s, uint64_t *bytes_per_s)
{
	double bits;
	if (scaled(s, rate_units, sizeof(rate_units) / sizeof(rate_units[0]), &bits) < 0)
		return -EINVAL;
	double bytes = bits / 8.;
	/* Under a byte per second is no rate tbf can hold; 2^63 keeps clear
	 * of the conversions in the kernel. */
	if (!(bytes >= 1.) || bytes >= 9223372036854775808.)
		return -EINVAL;
	*bytes_per_s = (uint64_t)(bytes + 0.5);
	return 0;
}

/* In bytes, as tc's get_size. */
static const struct unit size_units[] = {
	{ "", 1. },
	{ "b", 1. },
	{ "k", 1024. },
	{ "kb", 1024. },
	{ "m", 1024. * 1024. },
	{ "mb", 1024. * 1024. },
	{ "g", 1024. * 1024. * 1024. },
	{ "gb", 1024. * 1024. * 1024. },
	{ "kbit", 1024. / 8. },
	{ "mbit", 1024. * 1024. / 8. },
	{ "gbit", 1024. * 1024. * 1024. / 8. },
};

int hull_size_parse(const char *s, uint32_t *bytes)
{
	double v;
	if (scaled(s, size_units, sizeof(size_units) / sizeof(size_units[0]), &v) < 0)
		return -EINVAL;
	if (!(v >= 0.5) || v >= 4294967295.5)
		return -EINVAL;
	*bytes = (uint32_t)(v + 0.5);
	return 0;
}

uint32_t hull_tbf_default_burst(uint64_t bytes_per_s)
{
	uint64_t b = bytes_per_s / 100;
	if (b < 65536)
		b = 65536;
	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

int hull_shape_parse(const char *s, uint64_t *bytes_per_s, uint32_t *burst_bytes)
{
	if (!s)
		return -EINVAL;
	const char *dash = strchr(s, '-');
	uint64_t rate;
	uint32_t burst;
	if (!dash) {
		if (hull_rate_parse(s, &rate) < 0)
			return -EINVAL;
		burst = hull_tbf_default_burst(rate);
	} else {
		char r[64];
		if ((size_t)(dash - s) >= sizeof(r))
			return -EINVAL;
		memcpy(r, s, (size_t)(dash - s));
		r[dash - s] = 0;
		if (hull_rate_parse(r, &rate) < 0 || hull_size_parse(dash + 1, &burst) < 0)
			return -EINVAL;
	}
	*bytes_per_s = rate;
	*burst_bytes = burst;
	return 0;
}
