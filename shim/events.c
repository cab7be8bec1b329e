/* Events to containerd, as runc's shim sends them in 1.6: a ttrpc call of
 * containerd.services.events.ttrpc.v1.Events/Forward on $TTRPC_ADDRESS
 * with an Envelope (timestamp, namespace, topic, the event as an Any).
 * The connection is kept; answers are read and dropped (an error is
 * logged). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "shim.h"
#include "wire.pb-c.h"

static void on_answer(struct shim *s, struct shim_watch *w, uint32_t events)
{
	(void)events;
	uint8_t buf[4096];
	ssize_t n = read(w->fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n == 0 || errno != EAGAIN) {
			shim_watch_close(s, w);
			hull_ttrpc_reader_free(&s->pub_rd);
		}
		return;
	}
	hull_ttrpc_feed(&s->pub_rd, buf, (size_t)n);
	struct hull_ttrpc_header h;
	const uint8_t *payload;
	int r;
	while ((r = hull_ttrpc_next(&s->pub_rd, &h, &payload)) == 1) {
		Hullpb__Response *resp = hullpb__response__unpack(NULL, h.length, payload);
		if (resp && resp->status && resp->status->code)
			hull_log("error", "publish event: containerd answered: %s", resp->status->message);
		if (resp)
			hullpb__response__free_unpacked(resp, NULL);
	}
	if (r < 0) {
		shim_watch_close(s, w);
		hull_ttrpc_reader_free(&s->pub_rd);
	}
}

static int connect_containerd(struct shim *s)
{
	const char *addr = s->o.ttrpc_address;
	if (!addr || !*addr)
		return -ENOENT;
	if (!strncmp(addr, "unix://", 7))
		addr += 7;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(addr) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	s->publisher.fd = fd;
	s->publisher.on = on_answer;
	s->pub_stream = 1;
	if (shim_watch_add(s, &s->publisher, EPOLLIN) < 0) {
		close(fd);
		s->publisher.fd = -1;
		return -EIO;
	}
	return 0;
}

static uint8_t *pack(const void *msg, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(msg);
	uint8_t *b = hull_xmalloc(*len ? *len : 1);
	protobuf_c_message_pack(msg, b);
	return b;
}

/* The frame of a Forward call of the event. */
static uint8_t *forward_frame(struct shim *s, const char *topic, const char *type_url, const void *msg, size_t *n)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	Hullpb__Timestamp ts = HULLPB__TIMESTAMP__INIT;
	ts.seconds = now.tv_sec;
	ts.nanos = (int32_t)now.tv_nsec;
	Hullpb__Any any = HULLPB__ANY__INIT;
	any.type_url = (char *)type_url;
	any.value.data = pack(msg, &any.value.len);
	Hullpb__Envelope env = HULLPB__ENVELOPE__INIT;
	env.timestamp = &ts;
	env.namespace_ = (char *)s->o.namespace_;
	env.topic = (char *)topic;
	env.event = &any;
	Hullpb__ForwardRequest fwd = HULLPB__FORWARD_REQUEST__INIT;
	fwd.envelope = &env;
	Hullpb__Request req = HULLPB__REQUEST__INIT;
	req.service = "containerd.services.events.ttrpc.v1.Events";
	req.method = "Forward";
	req.payload.data = pack(&fwd, &req.payload.len);
	size_t len;
	uint8_t *body = pack(&req, &len);
	uint8_t *frame = hull_ttrpc_frame(s->pub_stream, HULL_TTRPC_REQUEST, body, len, n);
	s->pub_stream += 2; /* a client's streams are odd */
	free(any.value.data);
	free(req.payload.data);
	free(body);
	return frame;
}

void shim_publish(struct shim *s, const char *topic, const char *type_url, const void *msg)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int r = s->publisher.fd >= 0 ? 0 : connect_containerd(s);
		if (r < 0) {
			hull_log("error", "publish %s: containerd's ttrpc socket %s: %s", topic,
				 s->o.ttrpc_address ? s->o.ttrpc_address : "(TTRPC_ADDRESS unset)", strerror(-r));
			return;
		}
		size_t n;
		uint8_t *frame = forward_frame(s, topic, type_url, msg, &n);
		/* Small and answered at once: written whole, blocking. */
		int fl = fcntl(s->publisher.fd, F_GETFL);
		fcntl(s->publisher.fd, F_SETFL, fl & ~O_NONBLOCK);
		r = hull_write_all(s->publisher.fd, frame, n);
		fcntl(s->publisher.fd, F_SETFL, fl | O_NONBLOCK);
		free(frame);
		if (r == 0)
			return;
		/* containerd restarted: once more on a new connection */
		shim_watch_close(s, &s->publisher);
		hull_ttrpc_reader_free(&s->pub_rd);
	}
	hull_log("error", "publish %s: containerd's ttrpc socket: write failed", topic);
}
