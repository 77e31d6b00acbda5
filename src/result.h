/* result.h: what happened to one run, as a JSON record and an exit status. */
#ifndef PJ_RESULT_H
#define PJ_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "seccomp.h"

enum pj_status {
	PJ_ST_EXITED,
	PJ_ST_SIGNALED,
	PJ_ST_TIMEOUT,
	PJ_ST_CPU_LIMIT,
	PJ_ST_MEMORY_LIMIT,
	PJ_ST_OUTPUT_LIMIT,
	PJ_ST_SETUP_ERROR,
};

struct pj_buf {
	char *data;
	size_t len, cap;
};

struct pj_limit_report {
	const char *name;        /* memory, pids, cpu_time, ... */
	char value[32];          /* a JSON literal: bytes, seconds, a count, a fraction, or null */
	const char *enforced_by; /* cgroup2, cgroup1, rlimit, supervisor, none */
};

#define PJ_NLIMITS 9

/* Launch timeline for --timings (CLOCK_MONOTONIC ns; 0 = not reached).  The
 * child's points arrive in one PJ_MSG_TIMES message (sync.h). */
enum pj_tpoint {
	PJ_T_START,    /* main() */
	PJ_T_PLANNED,  /* config read, plan built */
	PJ_T_PREPARED, /* rootfs, binds, pipes (v2: the cgroup) ready */
	PJ_T_CLONED,   /* clone3 returned */
	PJ_T_GO,       /* id maps written, sync #1 sent */
	PJ_T_RELEASED, /* parent: host ids, seccomp, cgroup; sync #2 sent */
	PJ_T_C_GO,     /* child: sync #1 received, namespaces unshared */
	PJ_T_C_IDS,    /* child: inside ids taken */
	PJ_T_C_NET,    /* child: hostname (loopback: jail.c as root, else after sync #2) */
	PJ_T_C_MOUNTS, /* child: new root built and entered */
	PJ_T_C_CAPS,   /* child: rlimits, capabilities dropped */
	PJ_T_RUNNING,  /* sync #2: the program was exec'd */
	PJ_T_EXITED,   /* the jail is gone (or only its init, out of its cgroups, exiting) */
	PJ_T_REPORTED, /* the result was written */
	PJ_T_END,      /* cgroup and fds cleaned up */
	PJ_T_N
};

struct pj_result {
	unsigned long long t[PJ_T_N];
	enum pj_status status;
	int exit_code; /* -1: none */
	int signal;    /* 0: none */
	bool stdout_truncated, stderr_truncated;
	bool pids_limit_hit;
	bool init_waited; /* --timings: the parent waited for init's exit (sync.h) */
	uint64_t wall_ms, cpu_ms, peak_memory_bytes;
	struct pj_buf out, err; /* captured output (--json) */
	struct pj_denied denied;
	struct pj_limit_report limits[PJ_NLIMITS];
	struct pj_err error; /* for setup-error */
	char cgroup[16];     /* backend name */
};

const char *pj_result_status_name(enum pj_status st);
/* The JSON record; with_output false leaves out stdout/stderr (--result FILE). */
void pj_result_write_json(FILE *out, const struct pj_result *res, bool with_output);
/* Escape bytes as a JSON string body: valid UTF-8 as is, other bytes as \udcXX
 * (Python's surrogateescape), so the output is recovered losslessly. */
void pj_json_write_string(FILE *out, const char *s, size_t len);
/* pyjail's exit status for this result. */
int pj_result_exit_status(const struct pj_result *res, bool json);
/* One line for stderr explaining a limit kill, or NULL. */
const char *pj_result_reason(const struct pj_result *res);

/* The --timings line: phase durations in µs and pyjail's own peak RSS. */
void pj_result_write_timings(FILE *out, const struct pj_result *res);

int pj_buf_append(struct pj_buf *b, const char *data, size_t len);
void pj_buf_free(struct pj_buf *b);

#endif
