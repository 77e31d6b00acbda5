/* request.h: one pyjail serve request, parsed and checked (pure).
 *
 * The wire format is in pyjail(1), PROTOCOL.  A request becomes what the cold
 * path would have had: a struct pj_cli (what to run) and a struct pj_config (the
 * server's, with the request's tighter limits). */
#ifndef PJ_REQUEST_H
#define PJ_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "err.h"

struct pj_request {
	void *root;             /* the parsed JSON (json_t); owns every string below */
	struct pj_cli cli;      /* mode, program, args, python flags, json */
	struct pj_config cfg;   /* shallow copy of the server's, limits replaced */
	const char *stdin_data; /* capture mode: the program's stdin */
	size_t stdin_len;
	const char *script_text, *script_b64; /* a script's content (one of them) */
	bool capture;                         /* no fds were passed: output goes into the record */
	bool warm;          /* a prepared jail can run it exactly as python3 would */
	bool cgroup_limits; /* memory, pids or cpu_quota differ from the server's */
};

/* Parse one request line.  have_fds: the client passed its stdin, stdout and
 * stderr; stdin_tty: that stdin is a terminal.  Errors name the field. */
int pj_request_parse(const char *line, size_t len, bool have_fds, bool stdin_tty,
		     const struct pj_config *server, struct pj_request *ret, struct pj_err *err);
void pj_request_free(struct pj_request *r);

#endif
