/* Shared by the netsetup files: the socket, one request/answer exchange, and
 * the checks every operation starts with. */
#ifndef HULL_NETSETUP_INTERNAL_H
#define HULL_NETSETUP_INTERNAL_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "netsetup.h"

/* Big enough for one dump datagram of the kernel (it sizes them to the
 * receive buffer, at most 32 KiB) and for any request we build. */
#define HULL_NL_BUFSIZE 32768

struct hull_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	char buf[HULL_NL_BUFSIZE];
};

/* Called for each answer message but ACKs/errors/DONE; returns 0 or -errno. */
typedef int (*hull_nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Starts a request of type in nl->buf with NLM_F_REQUEST|flags and a fresh
 * sequence number. */
struct nlmsghdr *hull_nl_msg(struct hull_nl *nl, uint16_t type, uint16_t flags);

/* Sends nlh and reads the answer to the end (the ACK, or NLMSG_DONE of a
 * dump), calling cb for data messages. A kernel error becomes
 * "OBJECT: RTM_X: strerror" plus the kernel's extended ack message if any;
 * object is preformatted by the caller. */
int hull_nl_talk(struct hull_nl *nl, struct nlmsghdr *nlh, hull_nl_cb cb, void *data,
		 const char *object, struct hull_err *err);

/* "link NAME: name longer than 15 bytes" and the like; 0 if usable. */
int hull_ifname_check(const char *name, struct hull_err *err);

/* ifindex of name, or -ENODEV with "WHAT NAME: no such device" (what:
 * "link", "bridge", "parent"...). */
int hull_ifindex(struct hull_nl *nl, const char *what, const char *name, struct hull_err *err);

/* Opens a nested IFLA_LINKINFO holding IFLA_INFO_KIND kind; the caller may
 * add IFLA_INFO_DATA, then ends it with mnl_attr_nest_end. */
struct nlattr *hull_nl_put_kind(struct nlmsghdr *nlh, const char *kind);

#endif
