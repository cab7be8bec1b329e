/* Child side: the names of the container's uts namespace. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int hull_uts_setup(const struct hull_spec *spec, struct hull_err *err)
{
	/* hull_ns_plan_prepare refused names without a uts namespace; checked
	 * again because renaming the host is not a mistake to make twice. */
	if ((spec->hostname || spec->domainname) && !spec->linux_.ns[HULL_NS_UTS].present)
		return hull_errf(err, EINVAL, "hostname: the container has no uts namespace");
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return hull_syserr(err, errno, "hostname %s", HULL_Q(spec->hostname));
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return hull_syserr(err, errno, "domainname %s", HULL_Q(spec->domainname));
	return 0;
}
