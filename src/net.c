/* net.c: loopback up in the jail's new network namespace, through libnl.
 * The namespace has no other interface, so 127.0.0.1 is all the program reaches.
 * As root, pyjail does it from outside while the jail builds its mounts. */
#include "net.h"

#include <fcntl.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A new network namespace always numbers its loopback 1; addressing it by index
 * saves the link dump, so this is a single request and its acknowledgement. */
#define PJ_LO_IFINDEX 1

int pj_net_setup_loopback(struct pj_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *lo = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int r;

	if (!sk || !lo || !change) {
		r = pj_fail(err, ENOMEM, "netlink");
		goto out;
	}
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = pj_fail(err, 0, "netlink connect: %s", nl_geterror(r));
		goto out;
	}
	rtnl_link_set_ifindex(lo, PJ_LO_IFINDEX);
	rtnl_link_set_name(lo, "lo");
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, lo, change, 0);
	if (r < 0)
		r = pj_fail(err, 0, "bring loopback up: %s", nl_geterror(r));
out:
	rtnl_link_put(change);
	rtnl_link_put(lo);
	if (sk)
		nl_socket_free(sk);
	return r < 0 ? r : 0;
}

static int open_netns(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int pj_net_setup_loopback_of(pid_t pid, struct pj_err *err)
{
	_cleanup_close_ int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int jail = open_netns(pid);
	struct pj_err ignored = { 0 }; /* if this fails, the jail tries again and reports */
	struct stat h, j;
	int up;

	/* Not yet unshared (the same namespace as ours), or gone: the jail does it. */
	if (home < 0 || jail < 0 || fstat(home, &h) < 0 || fstat(jail, &j) < 0 ||
	    (h.st_ino == j.st_ino && h.st_dev == j.st_dev) || setns(jail, CLONE_NEWNET) < 0)
		return 0;
	up = pj_net_setup_loopback(&ignored) == 0;
	if (setns(home, CLONE_NEWNET) < 0)
		return pj_fail(err, errno, "cannot return from the jail's network namespace");
	return up;
}
