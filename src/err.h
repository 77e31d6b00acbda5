/* err.h: the error record every fallible function fills (see STYLE.md §4).
 *
 * Functions return >= 0 on success and a negative errno on failure, filling a
 * struct pj_err only on failure.  The record is fixed-size so that the child can
 * fill it without malloc and send it up the sync socket as one datagram. */
#ifndef PJ_ERR_H
#define PJ_ERR_H

#include <errno.h>

enum pj_stage {
	PJ_STAGE_NONE = 0,
	PJ_STAGE_CONFIG,
	PJ_STAGE_PREFLIGHT,
	PJ_STAGE_CGROUP,
	PJ_STAGE_CLONE,
	PJ_STAGE_USERNS,
	PJ_STAGE_MOUNTS,
	PJ_STAGE_NET,
	PJ_STAGE_CAPS,
	PJ_STAGE_SECCOMP,
	PJ_STAGE_EXEC,
	PJ_STAGE_SUPERVISE,
};

struct pj_err {
	int code; /* errno, 0 if not an errno-style failure */
	enum pj_stage stage;
	char msg[256];
};

/* Exit statuses of pyjail itself. */
#define PJ_EXIT_SETUP 125   /* pyjail failed: bad option, config, host refusal */
#define PJ_EXIT_TIMEOUT 124 /* wall-clock limit, as timeout(1) */

/* Fill err with a formatted message (plus ": strerror(code)" when code > 0) and
 * return -code (or -EINVAL when code is 0). */
int pj_fail(struct pj_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message of an already filled record ("mounts: " ...). */
void pj_fail_prefix(struct pj_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *pj_stage_name(enum pj_stage stage);

#endif
