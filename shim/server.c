/* The shim's one loop: the ttrpc socket and its connections, signals
 * (children's exits by SIGCHLD, SIGTERM), stdio copying and OOM events,
 * all in one epoll set. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "shim.h"
#include "wire.pb-c.h"

int shim_watch_add(struct shim *s, struct shim_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0 ? -errno : 0;
}

void shim_watch_mod(struct shim *s, struct shim_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (w->fd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void shim_watch_close(struct shim *s, struct shim_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
}

static void conn_free(struct shim *s, struct shim_conn *c)
{
	for (struct shim_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	/* Its waiters have nobody left to answer. */
	for (struct shim_waiter **pp = &s->waiters; *pp;) {
		struct shim_waiter *w = *pp;
		if (w->call.conn == c) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	shim_watch_close(s, &c->w);
	hull_ttrpc_reader_free(&c->rd);
	free(c->out);
	free(c);
}

static void conn_flush(struct shim *s, struct shim_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->w.fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			shim_watch_mod(s, &c->w, EPOLLIN | EPOLLOUT);
			return;
		}
		if (n < 0)
			return; /* the peer is gone: EPOLLHUP ends the connection */
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	shim_watch_mod(s, &c->w, EPOLLIN);
}

static void conn_send(struct shim *s, struct shim_conn *c, uint32_t stream, const Hullpb__Response *r)
{
	size_t len = hullpb__response__get_packed_size(r);
	uint8_t *body = hull_xmalloc(len ? len : 1);
	hullpb__response__pack(r, body);
	size_t n;
	uint8_t *frame = hull_ttrpc_frame(stream, HULL_TTRPC_RESPONSE, body, len, &n);
	free(body);
	c->out = hull_xrealloc(c->out, c->out_len + n);
	memcpy(c->out + c->out_len, frame, n);
	c->out_len += n;
	free(frame);
	conn_flush(s, c);
}

void shim_reply(struct shim *s, const struct shim_call *c, const void *msg)
{
	const ProtobufCMessage *m = msg;
	Hullpb__Response r = HULLPB__RESPONSE__INIT;
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *body = hull_xmalloc(len ? len : 1);
	protobuf_c_message_pack(m, body);
	r.payload.data = body;
	r.payload.len = len;
	conn_send(s, c->conn, c->stream, &r);
	free(body);
}

void shim_reply_err(struct shim *s, const struct shim_call *c, int code, const char *msg)
{
	Hullpb__Response r = HULLPB__RESPONSE__INIT;
	Hullpb__Status st = HULLPB__STATUS__INIT;
	st.code = code;
	st.message = (char *)msg;
	r.status = &st;
	hull_log(code == SHIM_NOT_FOUND ? "debug" : "error", "%s", msg);
	conn_send(s, c->conn, c->stream, &r);
}

void shim_reply_hull_err(struct shim *s, const struct shim_call *c, const struct hull_err *err)
{
	int code = SHIM_UNKNOWN;
	switch (-err->code) {
	case ENOENT:
	case ESRCH: code = SHIM_NOT_FOUND; break;
	case EEXIST: code = SHIM_EXISTS; break;
	case ENOTSUP:
	case ENOSYS: code = SHIM_UNIMPLEMENTED; break;
	case EINVAL: code = SHIM_INVALID; break;
	}
	shim_reply_err(s, c, code, err->msg);
}

static void conn_request(struct shim *s, struct shim_conn *c, const struct hull_ttrpc_header *h, const uint8_t *payload)
{
	if (h->type != HULL_TTRPC_REQUEST)
		return; /* ttrpc's servers ignore what is not a request */
	struct shim_call call = { .conn = c, .stream = h->stream };
	Hullpb__Request *req = hullpb__request__unpack(NULL, h->length, payload);
	if (!req) {
		shim_reply_err(s, &call, SHIM_INVALID, "ttrpc: a request that is not a protobuf Request");
		return;
	}
	if (strcmp(req->service, "containerd.task.v2.Task") ||
	    !shim_dispatch(s, &call, req->method, req->payload.data, req->payload.len)) {
		char msg[300];
		snprintf(msg, sizeof(msg), "ttrpc: %.100s/%.100s: no such method in this shim", req->service,
			 req->method);
		shim_reply_err(s, &call, SHIM_UNIMPLEMENTED, msg);
	}
	hullpb__request__free_unpacked(req, NULL);
}

static void on_conn(struct shim *s, struct shim_watch *w, uint32_t events)
{
	struct shim_conn *c = (struct shim_conn *)w;
	if (events & EPOLLOUT)
		conn_flush(s, c);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	uint8_t buf[16384];
	ssize_t n = read(c->w.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(s, c);
		return;
	}
	hull_ttrpc_feed(&c->rd, buf, (size_t)n);
	struct hull_ttrpc_header h;
	const uint8_t *payload;
	int r;
	while ((r = hull_ttrpc_next(&c->rd, &h, &payload)) == 1)
		conn_request(s, c, &h, payload);
	if (r < 0) {
		hull_log("error", "ttrpc: a frame of %u bytes (the limit is %u): connection closed", h.length,
			 HULL_TTRPC_MAX);
		conn_free(s, c);
	}
}

static void on_listener(struct shim *s, struct shim_watch *w, uint32_t events)
{
	(void)events;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct shim_conn *c = hull_xcalloc(1, sizeof(*c));
	c->w.fd = fd;
	c->w.on = on_conn;
	c->next = s->conns;
	s->conns = c;
	if (shim_watch_add(s, &c->w, EPOLLIN) < 0)
		conn_free(s, c);
}

void shim_reap(struct shim *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct shim_proc *p = shim_proc_by_pid(s, pid);
		if (p)
			shim_proc_exited(s, p, WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
	}
}

static void on_signal(struct shim *s, struct shim_watch *w, uint32_t events)
{
	(void)events;
	struct signalfd_siginfo si;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			shim_reap(s);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			s->exiting = true;
	}
}

static int setup_signals(struct shim *s, struct hull_err *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return hull_syserr(err, errno, "sigprocmask");
	s->signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	s->signals.on = on_signal;
	if (s->signals.fd < 0 || shim_watch_add(s, &s->signals, EPOLLIN) < 0)
		return hull_syserr(err, errno, "signalfd");
	return 0;
}

int shim_serve(struct shim *s, int listen_fd, struct hull_err *err)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return hull_syserr(err, errno, "epoll_create1");
	s->listener.fd = listen_fd;
	s->listener.on = on_listener;
	int r = setup_signals(s, err);
	if (r < 0)
		return r;
	if (shim_watch_add(s, &s->listener, EPOLLIN) < 0)
		return hull_syserr(err, errno, "epoll: the shim's socket");
	/* Exits before the loop started (none yet) and while it ran. */
	while (!s->exiting) {
		struct epoll_event ev[16];
		int n = epoll_wait(s->epfd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_syserr(err, errno, "epoll_wait");
		for (int i = 0; i < n && !s->exiting; i++) {
			struct shim_watch *w = ev[i].data.ptr;
			if (w->fd >= 0)
				w->on(s, w, ev[i].events);
		}
		shim_free_dead(s);
	}
	return 0;
}
