/* net.c: loopback up in the jail's new network namespace, through libnl.
 * The namespace has no other interface, so 127.0.0.1 is all the program reaches. */
#include "net.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

int pj_net_setup_loopback(struct pj_err *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *lo = NULL, *change = NULL;
	int r;

	if (!sk)
		return pj_fail(err, ENOMEM, "netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		r = pj_fail(err, 0, "netlink connect: %s", nl_geterror(r));
		goto out;
	}
	r = rtnl_link_get_kernel(sk, 0, "lo", &lo);
	if (r < 0) {
		r = pj_fail(err, 0, "find loopback: %s", nl_geterror(r));
		goto out;
	}
	change = rtnl_link_alloc();
	if (!change) {
		r = pj_fail(err, ENOMEM, "netlink");
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, lo, change, 0);
	if (r < 0)
		r = pj_fail(err, 0, "bring loopback up: %s", nl_geterror(r));
out:
	rtnl_link_put(change);
	rtnl_link_put(lo);
	nl_socket_free(sk);
	return r < 0 ? r : 0;
}
