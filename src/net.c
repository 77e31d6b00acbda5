/* net.c: loopback up in the jail's new network namespace, through libnl.
 * The namespace has no other interface, so 127.0.0.1 is all the program reaches. */
#include "net.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

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
