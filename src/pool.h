/* pool.h: pyjail serve's zygote and its prepared jails (server side).
 *
 * A slot goes EMPTY -> KEEPER (the keeper was asked for namespaces) -> NS (their
 * init is building /proc, /tmp, loopback) -> SPAWN (the zygote forked the
 * interpreter that will run the request; it is joining and dropping) -> READY.
 * A request takes a READY slot; the slot is refilled in the background. */
#ifndef PJ_POOL_H
#define PJ_POOL_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "config.h"
#include "jail.h"
#include "plan.h"
#include "result.h"

enum pj_slot_state { PJ_SLOT_EMPTY, PJ_SLOT_KEEPER, PJ_SLOT_NS, PJ_SLOT_SPAWN, PJ_SLOT_READY };

/* One prepared jail.  All fds are O_CLOEXEC; -1 when not there (yet). */
struct pj_slot {
	enum pj_slot_state state;
	struct pj_cgroup *cg; /* the request's cgroup, limits written */
	int jail_sock;        /* the keeper's jail: PJ_MSG_PID, then PJ_MSG_GO */
	int ns_pidfd;         /* the jail's init: SIGKILL ends the whole jail */
	int ns_fds[5];        /* its pid, mnt, net, ipc, uts namespaces (PJ_PREPARED_NS) */
	int jp_sock;          /* the program's process (P), and the zygote about P */
	int p_pidfd;          /* P, which runs the request */
	int notify_fd;        /* P's seccomp listener */
	bool p_ready;
};

struct pj_pool {
	const struct pj_config *cfg;
	struct pj_config zcfg; /* the zygote jail's: no limits of its own */
	struct pj_cli zcli;
	struct pj_plan zplan;
	struct pj_jail *zygote;
	struct pj_result zres;
	int zsock;      /* our end of the interpreter's fd 3 */
	int keeper;     /* the keeper's sync socket */
	int zout, zerr; /* the zygote's stdout and stderr, copied to our stderr */
	struct pj_slot *slots;
	unsigned n_slots;
	unsigned *asked; /* slots waiting for PJ_MSG_JAIL, in the order asked */
	unsigned n_asked;
	struct pj_cgroup **spare; /* emptied request cgroups, for the next slots */
	unsigned n_spare, max_spare;
	unsigned failures; /* in a row; the pool stops refilling after a few */
	struct pj_err last_err;
	bool dead; /* the zygote is gone */
};

/* Start the zygote jail and wait until its interpreter runs; then fill the pool. */
int pj_pool_start(struct pj_pool *pool, const struct pj_config *cfg, struct pj_err *err);
/* The fds to poll (at most pj_pool_max_fds()); tag[i] says whose it is. */
unsigned pj_pool_max_fds(const struct pj_pool *pool);
unsigned pj_pool_fill_poll(struct pj_pool *pool, struct pollfd *pfd, int *tag);
/* Handle one ready fd with its tag. */
void pj_pool_handle(struct pj_pool *pool, int tag, short revents);
/* Ask for jails for every empty slot (unless draining or broken). */
void pj_pool_refill(struct pj_pool *pool);
/* A READY slot, taken out of the pool (the caller owns it now), or false. */
bool pj_pool_take(struct pj_pool *pool, struct pj_slot *ret);
/* True when the pool keeps failing: warm requests should not wait for it. */
bool pj_pool_broken(const struct pj_pool *pool);
/* Close a taken slot's fds in this process; kill: end its jail and remove its
 * cgroup too (else the cgroup is only let go of: a handler owns it now). */
void pj_slot_close(struct pj_slot *s, bool kill);
/* In the handler, after its request: end the slot's jail and empty its cgroup
 * for the server to reuse (true), or remove it (false: not reusable). */
bool pj_slot_end(struct pj_slot *s, bool reuse);
/* In the server, after the handler emptied cg: keep it for a later slot, or
 * remove it if it cannot be reused. */
void pj_pool_recycle(struct pj_pool *pool, struct pj_cgroup *cg);
/* Every fd the pool holds, for a forked handler to close. */
void pj_pool_close_fds(struct pj_pool *pool);
/* Kill the zygote and every prepared jail; remove their cgroups. */
void pj_pool_stop(struct pj_pool *pool);

#endif
