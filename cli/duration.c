/* Go's time.ParseDuration syntax, which runc's --interval takes: a
 * sequence of decimal numbers with units, "300ms", "1.5s", "1m30s". */
#include <errno.h>
#include <string.h>

#include "cli.h"

int hull_parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000ull }, { "m", 60000000000ull }, { "h", 3600000000000ull },
	};
	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	uint64_t total = 0;
	while (*s) {
		/* Integers only: "0.1s" must be 100000000 ns, not one less. */
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *s >= '0' && *s <= '9'; s++, digits = true)
			if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, (uint64_t)(*s - '0'), &whole))
				return -ERANGE;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < 1000000000000000000ull) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
		if (!digits)
			return -EINVAL;
		size_t best = 0, len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);
			/* "ms" before "m": the longest unit that matches */
			if (l > len && !strncmp(s, units[i].unit, l)) {
				best = i;
				len = l;
			}
		}
		if (!len)
			return -EINVAL;
		s += len;
		uint64_t v, u = units[best].ns;
		if (__builtin_mul_overflow(whole, u, &v) ||
		    __builtin_add_overflow(v, (uint64_t)((unsigned __int128)frac * u / scale), &v) ||
		    __builtin_add_overflow(total, v, &total))
			return -ERANGE;
	}
	*ns = total;
	return 0;
}
