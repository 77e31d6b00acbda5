/* handler.h: one pyjail serve request, run and reported by a process of its own. */
#ifndef PJ_HANDLER_H
#define PJ_HANDLER_H

#include "plan.h"
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
	/* pj_handler_prepare's, in the server before the fork */
	struct pj_plan plan;
	int planned; /* pj_plan_build's result: < 0, err says why */
	struct pj_err err;
	bool too_strict; /* the prepared cgroup cannot take the request's limits */
	char *msg;       /* the run message (marshal), until it is sent */
	size_t msg_len;
	int sent;                   /* the run message: 0 sent, < 0 failed (err), > 0 not yet */
	int out_r, err_r;           /* once sent: the program's stdout and stderr pipes */
	unsigned long long t_start; /* when it was sent */
};

/* In the server, before it forks the handler: the plan, a stricter limit into
 * the prepared cgroup, and the request to the interpreter waiting there, so the
 * program runs while its handler is forked (fork and setup take a third of a
 * millisecond).  A big request is left for the handler to send. */
void pj_handler_prepare(struct pj_handler *h);
/* In the server, after the fork: let go of what the handler now holds. */
void pj_handler_forget(struct pj_handler *h);

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
