/* handler.h: one pyjail serve request, run and reported by a process of its own. */
#ifndef PJ_HANDLER_H
#define PJ_HANDLER_H

#include "pool.h"
#include "request.h"

struct pj_handler {
	int conn;   /* the client's connection */
	int fds[3]; /* the client's stdin, stdout, stderr; -1 in capture mode */
	struct pj_request *req;
	struct pj_slot *slot; /* a prepared jail, or NULL: a cold jail of its own */
	/* the client's control lines (signals), buffered */
	char ctl[256];
	size_t ctl_len;
	int sig_pidfd;
};

/* The handler's exit status when it emptied the prepared jail's cgroup and left
 * it for the server to reuse (pj_pool_recycle); any other status: it is gone. */
#define PJ_HANDLER_CGROUP_LEFT 3

/* In the forked handler: run the request, send the record, empty or remove the
 * jail's cgroup.  Returns the process's exit status. */
int pj_handler_run(struct pj_handler *h);
/* Send a record on a client's connection (blocking for at most a moment). */
int pj_handler_send_record(int conn, const struct pj_result *res, bool with_output);
/* The setup-error record for err, sent on conn. */
void pj_handler_send_error(int conn, const struct pj_err *err);

#endif
