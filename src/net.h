/* net.h: the network namespace's only interface. */
#ifndef PJ_NET_H
#define PJ_NET_H

#include "err.h"

/* Bring up "lo" in the current (new) network namespace through rtnetlink. */
int pj_net_setup_loopback(struct pj_err *err);

#endif
