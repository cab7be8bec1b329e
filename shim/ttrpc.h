/* ttrpc's framing (github.com/containerd/ttrpc channel.go): a 10-byte
 * header (length u32 big-endian, stream id u32 big-endian, type u8, flags
 * u8) then length bytes of a protobuf Request or Response. Bytes go in as
 * they arrive; whole frames come out. */
#ifndef HULL_SHIM_TTRPC_H
#define HULL_SHIM_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#define HULL_TTRPC_HEADER 10
/* ttrpc's messageLengthMax: a longer frame ends the connection */
#define HULL_TTRPC_MAX (4u << 20)

enum { HULL_TTRPC_REQUEST = 1, HULL_TTRPC_RESPONSE = 2 };

struct hull_ttrpc_header {
	uint32_t length, stream;
	uint8_t type, flags;
};

void hull_ttrpc_header_put(uint8_t out[HULL_TTRPC_HEADER], const struct hull_ttrpc_header *h);
void hull_ttrpc_header_get(const uint8_t in[HULL_TTRPC_HEADER], struct hull_ttrpc_header *h);

/* One connection's input: what arrived and has not been taken yet. */
struct hull_ttrpc_reader {
	uint8_t *buf;
	size_t len, off, cap;
};

/* Appends n bytes (grows the buffer, never beyond a frame and a header). */
void hull_ttrpc_feed(struct hull_ttrpc_reader *r, const uint8_t *data, size_t n);

/* Takes the next whole frame: 1 with *h and *payload (valid until the next
 * feed), 0 when more bytes are needed, -EMSGSIZE when the header announces
 * more than HULL_TTRPC_MAX. */
int hull_ttrpc_next(struct hull_ttrpc_reader *r, struct hull_ttrpc_header *h, const uint8_t **payload);

void hull_ttrpc_reader_free(struct hull_ttrpc_reader *r);

/* A frame: header then payload, in a new buffer of *n bytes. */
uint8_t *hull_ttrpc_frame(uint32_t stream, uint8_t type, const uint8_t *payload, size_t len, size_t *n);

#endif
