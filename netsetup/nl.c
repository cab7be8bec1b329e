/* The NETLINK_ROUTE socket of one netns and the request/answer exchange. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

static struct mnl_socket *open_here(struct hull_nl *nl)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(s);
		errno = e;
		return NULL;
	}
	/* Extended acks carry the kernel's reason ("Invalid qdisc name", ...);
	 * capped acks keep the request out of error answers. Both are optional. */
	int one = 1;
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(s);
	return s;
}

struct opener {
	struct hull_nl *nl;
	int netns_fd;
	int setns_errno, socket_errno;
};

static void *open_in_netns(void *arg)
{
	struct opener *o = arg;
	if (setns(o->netns_fd, CLONE_NEWNET) < 0) {
		o->setns_errno = errno;
		return NULL;
	}
	o->nl->sock = open_here(o->nl);
	o->socket_errno = errno;
	return NULL;
}

int hull_nl_open(int netns_fd, struct hull_nl **out, struct hull_err *err)
{
	struct hull_nl *nl = hull_xcalloc(1, sizeof(*nl));
	nl->seq = (unsigned int)getpid() << 8;

	if (netns_fd < 0) {
		nl->sock = open_here(nl);
		if (!nl->sock) {
			int e = errno;
			free(nl);
			return hull_syserr(err, e, "netlink socket");
		}
		*out = nl;
		return 0;
	}

	/* A netlink socket stays in the netns it was created in. A thread of
	 * our own joins the target, makes it and ends: its netns goes with
	 * it, so no failure can leave hull itself in the wrong one. */
	struct opener o = { .nl = nl, .netns_fd = netns_fd };
	pthread_t t;
	int e = pthread_create(&t, NULL, open_in_netns, &o);
	if (e == 0)
		e = pthread_join(t, NULL);
	if (e == 0 && o.setns_errno)
		e = o.setns_errno;
	if (e) {
		free(nl);
		return hull_syserr(err, e, "netns fd %d: setns", netns_fd);
	}
	if (!nl->sock) {
		free(nl);
		return hull_syserr(err, o.socket_errno, "netlink socket in netns fd %d", netns_fd);
	}
	*out = nl;
	return 0;
}

void hull_nl_close(struct hull_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

struct nlmsghdr *hull_nl_msg(struct hull_nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static const char *msg_type_name(uint16_t t)
{
	switch (t) {
	case RTM_NEWLINK: return "RTM_NEWLINK";
	case RTM_DELLINK: return "RTM_DELLINK";
	case RTM_GETLINK: return "RTM_GETLINK";
	case RTM_SETLINK: return "RTM_SETLINK";
	case RTM_NEWADDR: return "RTM_NEWADDR";
	case RTM_GETADDR: return "RTM_GETADDR";
	case RTM_NEWROUTE: return "RTM_NEWROUTE";
	case RTM_NEWQDISC: return "RTM_NEWQDISC";
	case RTM_DELQDISC: return "RTM_DELQDISC";
	case RTM_GETQDISC: return "RTM_GETQDISC";
	default: return "RTM_?";
	}
}

static int extack_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The kernel's error of an NLMSG_ERROR or NLMSG_DONE answer, with its
 * extended ack message when there is one. */
static int answer_error(const struct nlmsghdr *nlh, const char **msg)
{
	int error;
	unsigned int off;

	*msg = NULL;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		error = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	} else {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
			return 0;
		error = *(const int *)mnl_nlmsg_get_payload(nlh);
		off = sizeof(int);
	}
	if (error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(MNL_ALIGN(off)) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, MNL_ALIGN(off), extack_cb, msg);
	return error;
}

int hull_nl_talk(struct hull_nl *nl, struct nlmsghdr *nlh, hull_nl_cb cb, void *data,
		 const char *object, struct hull_err *err)
{
	uint16_t type = nlh->nlmsg_type;
	unsigned int seq = nlh->nlmsg_seq;
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int cb_error = 0;

	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return hull_syserr(err, errno, "%s: %s: send", object, msg_type_name(type));

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return hull_syserr(err, errno, "%s: %s: receive", object,
					   msg_type_name(type));
		}
		int left = (int)len;
		for (struct nlmsghdr *m = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			/* Answers to an earlier request that gave up early. */
			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != nl->portid))
				continue;
			if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE) {
				const char *msg;
				int e = answer_error(m, &msg);
				if (e < 0) {
					if (msg && *msg)
						return hull_errf(err, -e, "%s: %s: %s (%s)", object,
								 msg_type_name(type), strerror(-e),
								 msg);
					return hull_errf(err, -e, "%s: %s: %s", object,
							 msg_type_name(type), strerror(-e));
				}
				if (cb_error < 0)
					return hull_syserr(err, -cb_error, "%s: %s: answer", object,
							   msg_type_name(type));
				return 0;
			}
			if (m->nlmsg_type == NLMSG_NOOP || m->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb && cb_error == 0)
				cb_error = cb(m, data);
		}
	}
}

int hull_ifname_check(const char *name, struct hull_err *err)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0)
		return hull_errf(err, EINVAL, "link: empty name");
	if (len > 15)
		return hull_errf(err, EINVAL, "link %s: name longer than 15 bytes", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return hull_errf(err, EINVAL, "link %s: invalid name", name);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return hull_errf(err, EINVAL, "link %s: invalid character in name", name);
	return 0;
}

struct nlattr *hull_nl_put_kind(struct nlmsghdr *nlh, const char *kind)
{
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	return info;
}
