/* net.h: the network namespace's only interface. */
#ifndef PJ_NET_H
#define PJ_NET_H

#include <sys/types.h>

#include "err.h"

/* Bring up "lo" in the current (new) network namespace through rtnetlink. */
int pj_net_setup_loopback(struct pj_err *err);

/* The same from outside, by host root, in the network namespace of process pid,
 * once that process has made its own: the calling thread enters it and comes
 * back.  Returns 1 when lo is up; 0 when pid has not unshared yet, or entering
 * or the request failed (pid must then do it itself, and report); a negative
 * errno, with err set, when the thread could not come back. */
int pj_net_setup_loopback_of(pid_t pid, struct pj_err *err);

#endif
