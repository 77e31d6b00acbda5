/* test-request.c: pj_request_parse(), the server's reading of untrusted
 * requests: each program kind, limits that may only tighten (up to the
 * administrator's ceiling), what forces a cold jail, and every refusal. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "request.h"
#include "unit.h"

static struct pj_config server;

static int setup(void **state)
{
	struct pj_err err = { 0 };

	(void)state;
	if (pj_config_init(&server, &err) < 0)
		fail_msg("config: %s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pj_config_free(&server);
	return 0;
}

static struct pj_request parse_ok(const char *line, bool fds)
{
	struct pj_request r;
	struct pj_err err = { 0 };

	if (pj_request_parse(line, strlen(line), fds, false, &server, &r, &err) < 0)
		fail_msg("refused '%s': %s", line, err.msg);
	return r;
}

static void parse_fails(const char *line, bool fds, const char *want)
{
	struct pj_request r;
	struct pj_err err = { 0 };

	if (pj_request_parse(line, strlen(line), fds, false, &server, &r, &err) >= 0)
		fail_msg("accepted '%s', want '%s'", line, want);
	assert_err_has(&err, want);
}

static void test_code(void **state)
{
	struct pj_request r = parse_ok("{\"code\":\"print(1)\",\"args\":[\"a\",\"b\"]}", false);

	(void)state;
	assert_int_equal(r.cli.pykind, PJ_PY_CODE);
	assert_string_equal(r.cli.pytarget, "print(1)");
	assert_int_equal(r.cli.n_args, 2);
	assert_string_equal(r.cli.args[1], "b");
	assert_null(r.cli.args[2]);
	assert_true(r.capture && r.cli.json && r.warm);
	pj_request_free(&r);
}

static void test_kinds(void **state)
{
	struct pj_request r = parse_ok("{\"module\":\"json.tool\"}", true);

	(void)state;
	assert_int_equal(r.cli.pykind, PJ_PY_MODULE);
	assert_false(r.capture);
	assert_false(r.cli.json);
	pj_request_free(&r);
	r = parse_ok("{\"script\":{\"path\":\"x.py\",\"text\":\"print(2)\"},\"json\":true}", true);
	assert_int_equal(r.cli.pykind, PJ_PY_SCRIPT);
	assert_string_equal(r.cli.pytarget, "x.py");
	assert_string_equal(r.script_text, "print(2)");
	assert_true(r.cli.json);
	pj_request_free(&r);
	r = parse_ok("{\"stdin_program\":true}", true);
	assert_int_equal(r.cli.pykind, PJ_PY_STDIN);
	pj_request_free(&r);
	r = parse_ok("{}", false);
	assert_int_equal(r.cli.pykind, PJ_PY_NONE);
	pj_request_free(&r);
}

static void test_stdin_nul(void **state)
{
	static const char line[] = "{\"code\":\"x\",\"stdin\":\"a\\u0000b\"}";
	struct pj_request r = parse_ok(line, false);

	(void)state;
	assert_int_equal(r.stdin_len, 3);
	assert_memory_equal(r.stdin_data, "a\0b", 3);
	pj_request_free(&r);
}

/* Tighter is fine; /tmp's size needs a cold jail, cgroup limits a rewrite. */
static void test_limits(void **state)
{
	struct pj_request r =
		parse_ok("{\"code\":\"x\",\"options\":{\"wall-time\":\"2s\"}}", false);

	(void)state;
	assert_int_equal(r.cfg.wall_time.value, 2000000);
	assert_true(r.warm);
	assert_false(r.cgroup_limits);
	pj_request_free(&r);
	r = parse_ok("{\"code\":\"x\",\"options\":{\"memory\":\"64M\",\"pids\":8}}", false);
	assert_int_equal(r.cfg.memory.value, 64 << 20);
	assert_int_equal(r.cfg.pids.value, 8);
	assert_true(r.warm && r.cgroup_limits);
	pj_request_free(&r);
	r = parse_ok("{\"code\":\"x\",\"options\":{\"tmp-size\":\"1M\"}}", false);
	assert_false(r.warm);
	pj_request_free(&r);
	r = parse_ok("{\"code\":\"x\",\"python_flags\":[\"-I\"]}", false);
	assert_false(r.warm);
	pj_request_free(&r);
}

/* Never looser than the server, unless the administrator set a higher ceiling. */
static void test_ceiling(void **state)
{
	struct pj_request r;

	(void)state;
	parse_fails("{\"code\":\"x\",\"options\":{\"memory\":\"1G\"}}", false,
		    "option 'memory': 1G is above the server's maximum 256M");
	server.memory.max = 1ULL << 30;
	r = parse_ok("{\"code\":\"x\",\"options\":{\"memory\":\"1G\"}}", false);
	assert_int_equal(r.cfg.memory.value, 1ULL << 30);
	pj_request_free(&r);
	server.memory.max = PJ_UNLIMITED;
}

static void test_refused(void **state)
{
	(void)state;
	parse_fails("{\"code\":", false, "malformed JSON");
	parse_fails("[1]", false, "not a JSON object");
	parse_fails("{\"cod\":\"x\"}", false, "unknown field 'cod'");
	parse_fails("{\"code\":\"x\",\"module\":\"y\"}", false, "at most one of");
	parse_fails("{\"code\":1}", false, "'code' must be a string");
	parse_fails("{\"args\":[1]}", false, "'args' must be an array of strings");
	parse_fails("{\"options\":{\"rootfs\":\"/\"}}", false, "option 'rootfs' is not allowed");
	parse_fails("{\"options\":{\"bind\":\"/:/x\"}}", false, "option 'bind' is not allowed");
	parse_fails("{\"options\":{\"memory\":\"lots\"}}", false, "option 'memory'");
	parse_fails("{\"options\":{\"pids\":-1}}", false, "must be a string or a number");
	parse_fails("{\"stdin\":\"x\"}", true, "'stdin' is for requests without passed fds");
	parse_fails("{\"script\":{\"path\":\"x\"}}", false, "one of 'text' and 'base64'");
	parse_fails("{\"script\":{\"text\":\"x\"}}", false, "'script.path' is missing");
	parse_fails("{\"script\":{\"path\":\"x\",\"text\":\"y\",\"mode\":1}}", false,
		    "unknown field 'script.mode'");
	parse_fails("{\"stdin_program\":false}", false, "'stdin_program' must be true");
	parse_fails("{\"code\":\"a\",\"code\":\"b\"}", false, "malformed JSON");
	parse_fails("{\"json\":1}", true, "'json' must be true or false");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code),      cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_stdin_nul), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ceiling),   cmocka_unit_test(test_refused),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name(__FILE__, tests, setup, teardown);
}
