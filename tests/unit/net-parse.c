/* netsetup/parse.c: CIDR addresses, tc rates and sizes, good and bad. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "../../netsetup/netsetup.h"
#include "../lib/hull-test.h"

START_TEST(addr_good)
{
	struct hull_net_addr a;
	char buf[HULL_NET_ADDR_STRLEN];
	ck_assert_int_eq(hull_net_addr_parse("198.18.0.2/24", &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.prefix, 24);
	ck_assert_mem_eq(a.addr, "\xc6\x12\x00\x02", 4);
	ck_assert_str_eq(hull_net_addr_format(&a, buf, sizeof(buf)), "198.18.0.2/24");

	ck_assert_int_eq(hull_net_addr_parse("fd00::1:2/64", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.prefix, 64);
	ck_assert_str_eq(hull_net_addr_format(&a, buf, sizeof(buf)), "fd00::1:2/64");

	ck_assert_int_eq(hull_net_addr_parse("0.0.0.0/0", &a), 0);
	ck_assert_int_eq(hull_net_addr_parse("198.19.255.255/32", &a), 0);
	ck_assert_int_eq(a.prefix, 32);
	ck_assert_int_eq(hull_net_addr_parse("::/128", &a), 0);
	ck_assert_int_eq(a.prefix, 128);

	ck_assert_int_eq(hull_net_ip_parse("198.18.0.1", &a), 0);
	ck_assert_int_eq(a.prefix, 32);
	ck_assert_int_eq(hull_net_ip_parse("fd00::1", &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.prefix, 128);
}
END_TEST

START_TEST(addr_bad)
{
	static const char *bad[] = {
		"", "/", "198.18.0.2", "198.18.0.2/", "/24", "198.18.0.2/33", "fd00::1/129",
		"198.18.0.2/024", "198.18.0.2/+24", "198.18.0.2/-1", "198.18.0.2/24 ",
		" 198.18.0.2/24", "198.18.0/24", "198.18.0.256/24", "0x1.2.3.4/8",
		"198.18.0.2/24/1", "198.18.0.2/2a", "fd00::1::2/64", "fd00::g/64", "host/24",
		"198.18.0.2/1000",
	};
	struct hull_net_addr a;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hull_net_addr_parse(bad[i], &a) == -EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(hull_net_addr_parse(NULL, &a), -EINVAL);
	ck_assert_int_eq(hull_net_ip_parse("198.18.0.1/24", &a), -EINVAL);
	ck_assert_int_eq(hull_net_ip_parse("", &a), -EINVAL);
	ck_assert_int_eq(hull_net_ip_parse("198.18.1", &a), -EINVAL);
}
END_TEST

START_TEST(rate_good)
{
	static const struct { const char *s; uint64_t bytes; } good[] = {
		{ "100mbit", 12500000 }, { "10mbit", 1250000 }, { "1gbit", 125000000 },
		{ "8bit", 1 }, { "8000", 1000 }, { "1kbit", 125 }, { "1kibit", 128 },
		{ "1mibit", 131072 }, { "1bps", 1 }, { "1kbps", 1000 }, { "1kibps", 1024 },
		{ "2mbps", 2000000 }, { "1gbps", 1000000000 }, { "1.5mbit", 187500 },
		{ "100MBit", 12500000 }, { "40gbit", 5000000000ULL }, { "1tbit", 125000000000ULL },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t r = 0;
		ck_assert_msg(hull_rate_parse(good[i].s, &r) == 0, "rejected '%s'", good[i].s);
		ck_assert_msg(r == good[i].bytes, "'%s': %llu, want %llu", good[i].s,
			      (unsigned long long)r, (unsigned long long)good[i].bytes);
	}
}
END_TEST

START_TEST(rate_bad)
{
	static const char *bad[] = {
		"", "mbit", "0mbit", "0", "1bit", "-1mbit", "+1mbit", "1.mbit", ".5mbit",
		"10 mbit", "10mbits", "10mb", "0x10mbit", "inf", "nan", "1e3mbit", "10mbit ",
		"99999999999999999999tbps",
	};
	uint64_t r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hull_rate_parse(bad[i], &r) == -EINVAL, "accepted '%s'", bad[i]);
	ck_assert_int_eq(hull_rate_parse(NULL, &r), -EINVAL);
}
END_TEST

START_TEST(size_good_bad)
{
	static const struct { const char *s; uint32_t bytes; } good[] = {
		{ "32kb", 32768 }, { "32k", 32768 }, { "1500", 1500 }, { "1500b", 1500 },
		{ "1mb", 1048576 }, { "1m", 1048576 }, { "1gb", 1073741824 }, { "64kbit", 8192 },
		{ "1mbit", 131072 }, { "2.5kb", 2560 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint32_t b = 0;
		ck_assert_msg(hull_size_parse(good[i].s, &b) == 0, "rejected '%s'", good[i].s);
		ck_assert_msg(b == good[i].bytes, "'%s': %u", good[i].s, b);
	}
	static const char *bad[] = { "", "0", "0kb", "kb", "4gb", "32 kb", "32kbps", "-1", "1e3" };
	uint32_t b;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hull_size_parse(bad[i], &b) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(shape)
{
	uint64_t r;
	uint32_t b;
	ck_assert_int_eq(hull_shape_parse("100mbit-32kb", &r, &b), 0);
	ck_assert_uint_eq(r, 12500000);
	ck_assert_uint_eq(b, 32768);
	ck_assert_int_eq(hull_shape_parse("10mbit", &r, &b), 0);
	ck_assert_uint_eq(r, 1250000);
	ck_assert_uint_eq(b, hull_tbf_default_burst(1250000));
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(hull_shape_parse("10gbit", &r, &b), 0);
	ck_assert_uint_eq(b, 12500000);
	ck_assert_int_eq(hull_shape_parse("10mbit-", &r, &b), -EINVAL);
	ck_assert_int_eq(hull_shape_parse("-32kb", &r, &b), -EINVAL);
	ck_assert_int_eq(hull_shape_parse("10mbit-32kb-1", &r, &b), -EINVAL);
	ck_assert_int_eq(hull_shape_parse("fast", &r, &b), -EINVAL);
}
END_TEST

HULL_SUITE(net_parse, unit)
{
	Suite *s = suite_create("net_parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, addr_good);
	tcase_add_test(tc, addr_bad);
	tcase_add_test(tc, rate_good);
	tcase_add_test(tc, rate_bad);
	tcase_add_test(tc, size_good_bad);
	tcase_add_test(tc, shape);
	suite_add_tcase(s, tc);
	return s;
}
