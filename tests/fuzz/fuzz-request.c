/* fuzz-request.c: libFuzzer target for pyjail serve's request parser.
 *
 * Arbitrary bytes are a request line from an untrusted client (the first byte
 * says whether fds came with it).  Besides crashes, leaks and hangs, it checks the
 * contract: a refused request gets a message naming the request, and an accepted
 * one never has a limit above what the server allows nor two programs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "request.h"

static struct pj_config server;

static void check_accepted(const struct pj_request *r)
{
	const struct pj_limit *s[] = { &server.memory,    &server.pids,      &server.cpu_time,
				       &server.cpu_quota, &server.wall_time, &server.output,
				       &server.file_size, &server.tmp_size,  &server.open_files };
	const struct pj_limit *q[] = { &r->cfg.memory,    &r->cfg.pids,      &r->cfg.cpu_time,
				       &r->cfg.cpu_quota, &r->cfg.wall_time, &r->cfg.output,
				       &r->cfg.file_size, &r->cfg.tmp_size,  &r->cfg.open_files };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		CHECK(q[i]->value <= s[i]->value);
	CHECK(r->cfg.rootfs == server.rootfs && r->cfg.binds.n == server.binds.n);
	CHECK(r->cfg.env.n == server.env.n && r->cfg.host_uid == server.host_uid);
	CHECK((r->cli.pykind == PJ_PY_CODE || r->cli.pykind == PJ_PY_MODULE ||
	       r->cli.pykind == PJ_PY_SCRIPT) == (r->cli.pytarget != NULL));
	CHECK(r->cli.pykind != PJ_PY_SCRIPT || (r->script_text != NULL) != (r->script_b64 != NULL));
	CHECK(r->cli.args && r->cli.args[r->cli.n_args] == NULL);
	CHECK(r->cli.py_flags && r->cli.py_flags[r->cli.n_py_flags] == NULL);
	CHECK(!r->capture || r->cli.json);
	CHECK(r->warm || r->cli.n_py_flags || r->cfg.tmp_size.value != server.tmp_size.value ||
	      r->cli.pykind == PJ_PY_NONE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pj_request r;
	struct pj_err err = { 0 };

	if (!server.rootfs && pj_config_init(&server, &err) < 0)
		abort();
	if (size < 1)
		return 0;
	if (pj_request_parse((const char *)data + 1, size - 1, data[0] & 1, data[0] & 2, &server,
			     &r, &err) < 0) {
		CHECK(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
		return 0;
	}
	check_accepted(&r);
	pj_request_free(&r);
	return 0;
}
