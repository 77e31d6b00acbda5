/* sync.h: the SEQPACKET channel between pyjail (parent) and the jail's init.
 *
 * One message per datagram; errors travel as a whole struct pj_err.  Sync
 * points are numbered the same on both sides:
 *   sync #0  parent -> child: moved to another CPU, unshare (PJ_MSG_GO)
 *   sync #1  parent -> child: id maps written, go on (PJ_MSG_GO)
 *   sync #2  parent -> child: the seccomp program and the cgroup to join; the
 *            payload may start (PJ_MSG_GO)
 *   sync #3  child -> parent: payload exec'd (PJ_MSG_RUNNING) or setup failed (PJ_MSG_ERROR)
 *   sync #4  child -> parent: the payload's wait status (PJ_MSG_STATUS); with
 *            PJ_STATUS_LEFT, nothing of the jail is left but init, which is out
 *            of its cgroups and exiting: the parent need not wait for it
 * The child waits for #0 before anything else (jail.c, move_off_our_cpu).
 * Between #0 and #2 the two sides work at once: the child unshares and builds
 * its mounts while the parent writes the id maps, checks the host ids, loads
 * the seccomp program and makes the cgroup.
 * The payload may also pass the seccomp listener (PJ_MSG_NOTIFY_FD, with SCM_RIGHTS). */
#ifndef PJ_SYNC_H
#define PJ_SYNC_H

#include <stddef.h>

#include "err.h"

enum pj_msg_type {
	PJ_MSG_GO = 1,
	PJ_MSG_RUNNING,
	PJ_MSG_ERROR,
	PJ_MSG_STATUS,
	PJ_MSG_NOTIFY_FD,
	PJ_MSG_TIMES,
	/* pyjail serve (keeper.c, zygote.py): */
	PJ_MSG_PREPARE, /* server -> keeper: build one jail's namespaces */
	PJ_MSG_JAIL,    /* keeper -> server: that jail's socket (one fd) */
	PJ_MSG_PID,     /* a pid (value) with its pidfd(s) */
};

/* PJ_MSG_GO #2's value: limits no cgroup enforces, for which rlimits stand in,
 * whether its first fd is the seccomp program, and whether loopback is up
 * already.  The rest are the jail's cgroup tasks files; with PJ_GO_LEAVE,
 * followed by as many of pyjail's own, and init may leave at the end
 * (PJ_STATUS_LEFT). */
#define PJ_FALLBACK_MEMORY 1
#define PJ_FALLBACK_PIDS 2
#define PJ_FALLBACK_CPU 4
#define PJ_GO_SECCOMP 8
#define PJ_GO_LEAVE 16
#define PJ_GO_LOOPBACK 32 /* pyjail brought up the jail's loopback (net.c) */

/* PJ_MSG_STATUS's t[]: flags, then (with PJ_STATUS_LEFT) the jail's processes'
 * user and system CPU time and largest resident set, which the parent would
 * otherwise take from init's wait status.  (zygote.py mirrors this struct's
 * layout: no field is added for them.) */
enum { PJ_STATUS_T_FLAGS, PJ_STATUS_T_UTIME_US, PJ_STATUS_T_STIME_US, PJ_STATUS_T_MAXRSS_KB };
#define PJ_STATUS_LEFT 1ULL

struct pj_msg {
	enum pj_msg_type type;
	int value;               /* wait status for PJ_MSG_STATUS */
	unsigned long long t[8]; /* PJ_MSG_TIMES: child-side timestamps (ns, CLOCK_MONOTONIC);
				  * PJ_MSG_STATUS: PJ_STATUS_T_* */
	struct pj_err err;       /* PJ_MSG_ERROR */
};

/* socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC). */
int pj_sync_open(int fds[2], struct pj_err *err);
#define PJ_SYNC_MAX_FDS 12

/* Send a message, with an optional fd (-1 for none). */
int pj_sync_send(int fd, const struct pj_msg *msg, int pass_fd);
/* The same with up to PJ_SYNC_MAX_FDS fds. */
int pj_sync_sendv(int fd, const struct pj_msg *msg, const int *fds, unsigned nfds);
/* Any datagram (pyjail serve's JSON for the zygote) with up to PJ_SYNC_MAX_FDS fds. */
int pj_sync_send_raw(int fd, const void *data, size_t len, const int *fds, unsigned nfds);
/* Receive a message and up to max passed fds (close-on-exec); extra fds are
 * closed.  Returns as pj_sync_recv. */
int pj_sync_recvv(int fd, struct pj_msg *msg, int *fds, unsigned max, unsigned *ret_n);
/* Receive one message; *ret_fd gets a passed fd or -1.  0 on EOF (peer gone),
 * 1 on a message, -errno on error. */
int pj_sync_recv(int fd, struct pj_msg *msg, int *ret_fd);
/* Convenience for the child: send an error record. */
int pj_sync_send_error(int fd, const struct pj_err *err);

#endif
