/* containerd-shim-hull-v2's ttrpc framing (shim/ttrpc.c): the header's
 * byte order, frames split anywhere and several in one read, the size
 * limit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/ttrpc.h"
#include "../lib/hull-test.h"

START_TEST(header_bytes)
{
	/* ttrpc's channel.go: length, stream id (big-endian), type, flags */
	struct hull_ttrpc_header h = { .length = 0x01020304, .stream = 0x0a0b0c0d, .type = 2, .flags = 1 };
	uint8_t b[HULL_TTRPC_HEADER];
	hull_ttrpc_header_put(b, &h);
	static const uint8_t want[] = { 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 2, 1 };
	ck_assert_mem_eq(b, want, sizeof(want));
	struct hull_ttrpc_header back;
	hull_ttrpc_header_get(b, &back);
	ck_assert(back.length == h.length && back.stream == h.stream && back.type == 2 && back.flags == 1);
}
END_TEST

/* Two frames fed one byte at a time come out whole, in order, once. */
START_TEST(split_and_joined)
{
	size_t n1, n2;
	uint8_t *f1 = hull_ttrpc_frame(1, HULL_TTRPC_REQUEST, (const uint8_t *)"hello", 5, &n1);
	uint8_t *f2 = hull_ttrpc_frame(3, HULL_TTRPC_REQUEST, NULL, 0, &n2);
	uint8_t all[64];
	memcpy(all, f1, n1);
	memcpy(all + n1, f2, n2);
	struct hull_ttrpc_reader r = { 0 };
	struct hull_ttrpc_header h;
	const uint8_t *p;
	int got = 0;
	for (size_t i = 0; i < n1 + n2; i++) {
		hull_ttrpc_feed(&r, all + i, 1);
		while (hull_ttrpc_next(&r, &h, &p) == 1) {
			if (got == 0)
				ck_assert(i == n1 - 1 && h.stream == 1 && h.length == 5 && !memcmp(p, "hello", 5));
			else
				ck_assert(i == n1 + n2 - 1 && h.stream == 3 && h.length == 0);
			got++;
		}
	}
	ck_assert_int_eq(got, 2);
	/* both at once */
	hull_ttrpc_feed(&r, all, n1 + n2);
	ck_assert_int_eq(hull_ttrpc_next(&r, &h, &p), 1);
	ck_assert_int_eq(h.stream, 1);
	ck_assert_int_eq(hull_ttrpc_next(&r, &h, &p), 1);
	ck_assert_int_eq(h.stream, 3);
	ck_assert_int_eq(hull_ttrpc_next(&r, &h, &p), 0);
	hull_ttrpc_reader_free(&r);
	free(f1);
	free(f2);
}
END_TEST

/* A header announcing more than ttrpc's 4 MiB ends the connection at
 * once, before anything of that size is buffered. */
START_TEST(too_long)
{
	struct hull_ttrpc_header h = { .length = HULL_TTRPC_MAX + 1, .stream = 1, .type = 1 };
	uint8_t b[HULL_TTRPC_HEADER];
	hull_ttrpc_header_put(b, &h);
	struct hull_ttrpc_reader r = { 0 };
	hull_ttrpc_feed(&r, b, sizeof(b));
	const uint8_t *p;
	ck_assert_int_eq(hull_ttrpc_next(&r, &h, &p), -EMSGSIZE);
	ck_assert_uint_le(r.cap, 4096);
	hull_ttrpc_reader_free(&r);
	/* exactly the limit is a frame that waits for its bytes */
	h.length = HULL_TTRPC_MAX;
	hull_ttrpc_header_put(b, &h);
	hull_ttrpc_feed(&r, b, sizeof(b));
	ck_assert_int_eq(hull_ttrpc_next(&r, &h, &p), 0);
	hull_ttrpc_reader_free(&r);
}
END_TEST

HULL_SUITE(shim_ttrpc, unit)
{
	Suite *s = suite_create("shim_ttrpc");
	TCase *tc = tcase_create("framing");
	tcase_add_test(tc, header_bytes);
	tcase_add_test(tc, split_and_joined);
	tcase_add_test(tc, too_long);
	suite_add_tcase(s, tc);
	return s;
}
