/* ttrpc framing: see ttrpc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "ttrpc.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void hull_ttrpc_header_put(uint8_t out[HULL_TTRPC_HEADER], const struct hull_ttrpc_header *h)
{
	put_be32(out, h->length);
	put_be32(out + 4, h->stream);
	out[8] = h->type;
	out[9] = h->flags;
}

void hull_ttrpc_header_get(const uint8_t in[HULL_TTRPC_HEADER], struct hull_ttrpc_header *h)
{
	h->length = get_be32(in);
	h->stream = get_be32(in + 4);
	h->type = in[8];
	h->flags = in[9];
}

void hull_ttrpc_feed(struct hull_ttrpc_reader *r, const uint8_t *data, size_t n)
{
	/* What was taken goes first: a frame's payload stays valid until here. */
	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	/* An idle connection keeps a small buffer, not its largest frame. */
	if (!r->len && r->cap > 65536) {
		free(r->buf);
		r->buf = NULL;
		r->cap = 0;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n)
			cap *= 2;
		r->buf = hull_xrealloc(r->buf, cap);
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
}

int hull_ttrpc_next(struct hull_ttrpc_reader *r, struct hull_ttrpc_header *h, const uint8_t **payload)
{
	size_t have = r->len - r->off;
	if (have < HULL_TTRPC_HEADER)
		return 0;
	hull_ttrpc_header_get(r->buf + r->off, h);
	if (h->length > HULL_TTRPC_MAX)
		return -EMSGSIZE;
	if (have - HULL_TTRPC_HEADER < h->length)
		return 0;
	*payload = r->buf + r->off + HULL_TTRPC_HEADER;
	r->off += HULL_TTRPC_HEADER + h->length;
	return 1;
}

void hull_ttrpc_reader_free(struct hull_ttrpc_reader *r)
{
	free(r->buf);
	*r = (struct hull_ttrpc_reader){ 0 };
}

uint8_t *hull_ttrpc_frame(uint32_t stream, uint8_t type, const uint8_t *payload, size_t len, size_t *n)
{
	struct hull_ttrpc_header h = { .length = (uint32_t)len, .stream = stream, .type = type };
	uint8_t *f = hull_xmalloc(HULL_TTRPC_HEADER + len);
	hull_ttrpc_header_put(f, &h);
	if (len)
		memcpy(f + HULL_TTRPC_HEADER, payload, len);
	*n = HULL_TTRPC_HEADER + len;
	return f;
}
