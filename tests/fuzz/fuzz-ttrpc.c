/* libFuzzer target: the shim's ttrpc framing (shim/ttrpc.c) and the
 * protobuf-c decoding of what it frames. The input arrives in pieces (its
 * first byte picks their size, as a socket splits it); every whole frame
 * must lie inside what was fed, re-frame to the same bytes, and its payload
 * goes through the Request decoder and every task service request type. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../shim/ttrpc.h"
#include "events.pb-c.h"
#include "task.pb-c.h"
#include "wire.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ProtobufCMessageDescriptor *const requests[] = {
	&hullpb__create_task_request__descriptor, &hullpb__start_request__descriptor,
	&hullpb__delete_request__descriptor,	  &hullpb__exec_process_request__descriptor,
	&hullpb__resize_pty_request__descriptor,  &hullpb__state_request__descriptor,
	&hullpb__kill_request__descriptor,	  &hullpb__close_iorequest__descriptor,
	&hullpb__pids_request__descriptor,	  &hullpb__update_task_request__descriptor,
	&hullpb__wait_request__descriptor,	  &hullpb__stats_request__descriptor,
	&hullpb__connect_request__descriptor,	  &hullpb__shutdown_request__descriptor,
	&hullpb__runc_options__descriptor,	  &hullpb__response__descriptor,
};

static void check_frame(const struct hull_ttrpc_header *h, const uint8_t *payload)
{
	size_t n;
	uint8_t *again = hull_ttrpc_frame(h->stream, h->type, payload, h->length, &n);
	struct hull_ttrpc_header h2;
	hull_ttrpc_header_get(again, &h2);
	if (n != HULL_TTRPC_HEADER + h->length || h2.length != h->length || h2.stream != h->stream ||
	    h2.type != h->type || memcmp(again + HULL_TTRPC_HEADER, payload, h->length)) {
		fprintf(stderr, "fuzz-ttrpc: a frame does not re-frame to itself\n");
		abort();
	}
	free(again);
	Hullpb__Request *req = hullpb__request__unpack(NULL, h->length, payload);
	if (req) {
		for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
			ProtobufCMessage *m =
				protobuf_c_message_unpack(requests[i], NULL, req->payload.len, req->payload.data);
			if (m)
				protobuf_c_message_free_unpacked(m, NULL);
		}
		hullpb__request__free_unpacked(req, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t piece = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	struct hull_ttrpc_reader r = { 0 };
	size_t fed = 0, framed = 0;
	while (fed < size) {
		size_t n = size - fed < piece ? size - fed : piece;
		hull_ttrpc_feed(&r, data + fed, n);
		fed += n;
		struct hull_ttrpc_header h;
		const uint8_t *payload;
		int rc;
		while ((rc = hull_ttrpc_next(&r, &h, &payload)) == 1) {
			framed += HULL_TTRPC_HEADER + h.length;
			if (framed > fed || memcmp(payload, data + framed - h.length, h.length)) {
				fprintf(stderr, "fuzz-ttrpc: a frame past or beside what was fed\n");
				abort();
			}
			check_frame(&h, payload);
		}
		if (rc < 0) {
			if (h.length <= HULL_TTRPC_MAX)
				abort(); /* refused a frame within the limit */
			break;
		}
	}
	hull_ttrpc_reader_free(&r);
	return 0;
}
