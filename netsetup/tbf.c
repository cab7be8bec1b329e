/* A token bucket (tbf) as the root qdisc: egress shaping of one link. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/pkt_sched.h>

#include "../base/cleanup.h"
#include "internal.h"

/* Scheduler ticks per microsecond, computed from /proc/net/psched exactly
 * as iproute2's tc_core_init does; the kernel's own value when unreadable. */
static double tick_in_usec(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/net/psched", "re");
	unsigned int t2us, us2t, clock_res;
	if (!f || fscanf(f, "%08x%08x%08x", &t2us, &us2t, &clock_res) != 3 || !us2t)
		return 1000. / 64.;
	if (clock_res == 1000000000)
		t2us = us2t;
	return (double)t2us / us2t * ((double)clock_res / 1000000.);
}

static uint32_t clamp32(double v)
{
	return v >= 4294967295. ? UINT32_MAX : (uint32_t)v;
}

int hull_tbf_set(struct hull_nl *nl, const char *ifname, uint64_t rate_bytes_per_s,
		 uint32_t burst_bytes, struct hull_err *err)
{
	char obj[IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "link %s: tbf", ifname);
	if (rate_bytes_per_s == 0 || burst_bytes == 0)
		return hull_errf(err, EINVAL, "%s: rate and burst must be positive", obj);
	int index = hull_link_index(nl, ifname, err);
	if (index < 0)
		return index;

	struct tc_tbf_qopt q;
	memset(&q, 0, sizeof(q));
	/* linklayer ethernet: the kernel computes transmit times itself and
	 * needs no rate table. */
	q.rate.linklayer = TC_LINKLAYER_ETHERNET;
	q.rate.rate = rate_bytes_per_s > UINT32_MAX ? UINT32_MAX : (uint32_t)rate_bytes_per_s;
	q.buffer = clamp32(tick_in_usec() * 1000000. * burst_bytes / (double)rate_bytes_per_s);
	/* Queue up to 50 ms worth of traffic beyond the bucket, tc's usual latency. */
	q.limit = clamp32((double)burst_bytes + (double)rate_bytes_per_s / 20.);

	/* Handle 0 with CREATE|REPLACE: a tbf already at the root is changed
	 * in place, any other root qdisc is replaced. */
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	tcm->tcm_parent = TC_H_ROOT;
	tcm->tcm_handle = 0;
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	struct nlattr *opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(q), &q);
	if (rate_bytes_per_s > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, rate_bytes_per_s);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst_bytes);
	mnl_attr_nest_end(nlh, opts);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

struct root_qdisc {
	int index;
	bool tbf;
	uint32_t handle;
	uint64_t rate;
};

static void tbf_options(const struct nlattr *opts, struct root_qdisc *rq)
{
	const struct nlattr *a;
	uint64_t rate64 = 0;
	mnl_attr_for_each_nested(a, opts) {
		uint16_t t = mnl_attr_get_type(a);
		if (t == TCA_TBF_PARMS && mnl_attr_get_payload_len(a) >= sizeof(struct tc_tbf_qopt)) {
			struct tc_tbf_qopt q;
			memcpy(&q, mnl_attr_get_payload(a), sizeof(q));
			rq->rate = q.rate.rate;
		} else if (t == TCA_TBF_RATE64 && mnl_attr_validate(a, MNL_TYPE_U64) >= 0) {
			rate64 = mnl_attr_get_u64(a);
		}
	}
	if (rate64)
		rq->rate = rate64;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct root_qdisc *rq = data;
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWQDISC || tcm->tcm_ifindex != rq->index ||
	    tcm->tcm_parent != TC_H_ROOT)
		return 0;
	const struct nlattr *a, *opts = NULL;
	bool tbf = false;
	mnl_attr_for_each(a, nlh, sizeof(*tcm)) {
		uint16_t t = mnl_attr_get_type(a);
		if (t == TCA_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			tbf = !strcmp(mnl_attr_get_str(a), "tbf");
		else if (t == TCA_OPTIONS && mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
			opts = a;
	}
	if (!tbf)
		return 0;
	rq->tbf = true;
	rq->handle = tcm->tcm_handle;
	rq->rate = 0;
	if (opts)
		tbf_options(opts, rq);
	return 0;
}

static int root_qdisc(struct hull_nl *nl, const char *ifname, int index, struct root_qdisc *rq,
		      struct hull_err *err)
{
	memset(rq, 0, sizeof(*rq));
	rq->index = index;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETQDISC, NLM_F_DUMP);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	char obj[IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "link %s: qdiscs", ifname);
	return hull_nl_talk(nl, nlh, qdisc_cb, rq, obj, err);
}

int hull_tbf_get(struct hull_nl *nl, const char *ifname, bool *present,
		 uint64_t *rate_bytes_per_s, struct hull_err *err)
{
	int index = hull_link_index(nl, ifname, err);
	if (index < 0)
		return index;
	struct root_qdisc rq;
	int r = root_qdisc(nl, ifname, index, &rq, err);
	if (r < 0)
		return r;
	*present = rq.tbf;
	if (rate_bytes_per_s)
		*rate_bytes_per_s = rq.tbf ? rq.rate : 0;
	return 0;
}

int hull_tbf_del(struct hull_nl *nl, const char *ifname, struct hull_err *err)
{
	struct hull_err tmp = { 0 };
	int index = hull_link_index(nl, ifname, &tmp);
	if (index == -ENODEV)
		return 0;
	if (index < 0)
		return hull_errf(err, -index, "%s", tmp.msg);
	struct root_qdisc rq;
	int r = root_qdisc(nl, ifname, index, &rq, err);
	if (r < 0)
		return r;
	/* Someone else's root qdisc is not ours to remove. */
	if (!rq.tbf)
		return 0;

	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_DELQDISC, 0);
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = index;
	tcm->tcm_parent = TC_H_ROOT;
	tcm->tcm_handle = rq.handle;
	char obj[IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "link %s: tbf", ifname);
	r = hull_nl_talk(nl, nlh, NULL, NULL, obj, &tmp);
	if (r == -ENOENT || r == -ENODEV)
		return 0;
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	return 0;
}
