#!/bin/sh
# Installs the Debian packages named as arguments that are not installed yet.
# Quick when all are there: one dpkg-query, no apt.
missing=""
for p in "$@"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$s" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "hull: make deps: missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "hull: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# No daemon may start with its defaults (dockerd would make a bridge and
# firewall rules, containerd would listen on the system socket): packages
# are installed under a policy-rc.d that refuses every start.
policy=/usr/sbin/policy-rc.d
[ -e $policy ] && mv $policy $policy.hull-saved
printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
rm -f $policy
[ -e $policy.hull-saved ] && mv $policy.hull-saved $policy
exit $rc
