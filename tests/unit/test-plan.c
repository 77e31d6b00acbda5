/* test-plan.c: pj_plan_build(): the argv of each mode, the fixed environment
 * plus --env, the script's place inside, binds, and the uid/gid map text as root
 * and as an ordinary user. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "plan.h"
#include "unit.h"

/* Everything one plan needs, built from words and config text. */
struct fixture {
	char *argv[64];
	int argc;
	struct pj_cli cli;
	struct pj_config cfg;
	struct pj_plan plan;
};

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static int build(struct fixture *f, const char *conf, const char *const *words, uid_t uid,
		 gid_t gid, struct pj_err *err)
{
	memset(f, 0, sizeof(*f));
	f->argv[f->argc++] = strdup("pyjail");
	for (; *words; words++)
		f->argv[f->argc++] = strdup(*words);
	if (pj_cli_parse(f->argc, f->argv, &f->cli, err) < 0)
		fail_msg("cli: %s", err->msg);
	if (pj_config_init(&f->cfg, err) < 0 ||
	    pj_config_load_string(&f->cfg, conf, "t.conf", NULL, err) < 0)
		fail_msg("config: %s", err->msg);
	for (unsigned i = 0; i < f->cli.n_overrides; i++) {
		const struct pj_override *o = &f->cli.overrides[i];
		if (pj_config_set(&f->cfg, pj_config_find(NULL, o->key), o->value, PJ_FROM_CLI,
				  err) < 0)
			fail_msg("--%s: %s", o->option, err->msg);
	}
	return pj_plan_build(&f->cfg, &f->cli, uid, gid, &f->plan, err);
}

static void setup(struct fixture *f, const char *conf, const char *const *words, uid_t uid,
		  gid_t gid)
{
	struct pj_err err = { 0 };

	if (build(f, conf, words, uid, gid, &err) < 0)
		fail_msg("plan: %s", err.msg);
}

static void teardown(struct fixture *f)
{
	pj_plan_free(&f->plan);
	pj_config_free(&f->cfg);
	pj_cli_free(&f->cli);
	for (int i = 0; i < f->argc; i++)
		free(f->argv[i]);
}

static const char *joined(char **v)
{
	static char buf[2048];
	size_t len = 0;

	buf[0] = '\0';
	for (char **p = v; p && *p; p++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", p == v ? "" : "|",
					*p);
	return buf;
}

static void expect_argv(const char *const *words, const char *want)
{
	struct fixture f;

	setup(&f, "", words, 1000, 1000);
	assert_string_equal(joined(f.plan.argv), want);
	assert_string_equal(f.plan.exec_path, "/usr/bin/python3");
	assert_false(f.plan.exec_search);
	teardown(&f);
}

static void test_argv_python(void **state)
{
	expect_argv(ARGS("-c", "print(1)", "a", "b"), "/usr/bin/python3|-c|print(1)|a|b");
	expect_argv(ARGS("-cprint(1)"), "/usr/bin/python3|-c|print(1)");
	expect_argv(ARGS("-m", "json.tool", "-h"), "/usr/bin/python3|-m|json.tool|-h");
	expect_argv(ARGS("-", "x"), "/usr/bin/python3|-|x");
	expect_argv(ARGS("-u", "-B", "-I", "-X", "dev", "-W", "error", "-c", "pass"),
		    "/usr/bin/python3|-u|-B|-I|-X|dev|-W|error|-c|pass");
	expect_argv(ARGS("-Bc", "pass", "--memory", "1G"),
		    "/usr/bin/python3|-B|-c|pass|--memory|1G");
	expect_argv(ARGS("-I"), "/usr/bin/python3|-I");
	expect_argv(ARGS("/tmp/s.py", "1", "2"), "/usr/bin/python3|/tmp/s.py|1|2");
	expect_argv(ARGS("-u", "rel/s.py"), "/usr/bin/python3|-u|rel/s.py");
	/* python3 shows the script path as typed */
	expect_argv(ARGS("/tmp//a/./s.py"), "/usr/bin/python3|/tmp//a/./s.py");
}

static void test_argv_python_configured(void **state)
{
	struct fixture f;

	setup(&f, "[jail]\npython = /opt/py//bin/python3.11\n", ARGS("-c", "x"), 1000, 1000);
	assert_string_equal(joined(f.plan.argv), "/opt/py/bin/python3.11|-c|x");
	assert_string_equal(f.plan.exec_path, "/opt/py/bin/python3.11");
	teardown(&f);
}

static void test_argv_run(void **state)
{
	struct fixture f;

	setup(&f, "", ARGS("run", "python3", "-c", "x"), 1000, 1000);
	assert_int_equal(f.plan.mode, PJ_MODE_RUN);
	assert_string_equal(joined(f.plan.argv), "python3|-c|x");
	assert_string_equal(f.plan.exec_path, "python3");
	assert_true(f.plan.exec_search);
	assert_int_equal(f.plan.n_binds, 0);
	teardown(&f);

	setup(&f, "", ARGS("run", "--", "/usr/bin/env", "-i"), 1000, 1000);
	assert_string_equal(joined(f.plan.argv), "/usr/bin/env|-i");
	assert_string_equal(f.plan.exec_path, "/usr/bin/env");
	assert_false(f.plan.exec_search);
	teardown(&f);
}

/* The environment as a sorted list: its order means nothing to the program. */
static const char *env_sorted(char **envp)
{
	char *v[64];
	unsigned n = 0;

	for (char **p = envp; p && *p && n < 63; p++)
		v[n++] = *p;
	v[n] = NULL;
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return joined(v);
}

static void test_env(void **state)
{
	struct fixture f;

	/* exactly the fixed set: nothing of pyjail's own environment gets in */
	setenv("PJ_TEST_SECRET", "leak", 1);
	setenv("LD_PRELOAD", "/tmp/evil.so", 1);
	setup(&f, "", ARGS("-c", "x"), 1000, 1000);
	assert_string_equal(
		env_sorted(f.plan.envp),
		"HOME=/tmp|LANG=C.UTF-8|LOGNAME=sandbox|PATH=/usr/local/bin:/usr/bin:/bin|"
		"SHELL=/nonexistent|TMPDIR=/tmp|USER=sandbox");
	teardown(&f);
	unsetenv("PJ_TEST_SECRET");
	unsetenv("LD_PRELOAD");

	/* the file's env=, then --env; a name set again replaces, never duplicates */
	setup(&f, "[jail]\nenv = A=file\nenv = HOME=/home/x\n",
	      ARGS("--env", "B=opt", "--env", "A=opt", "--env", "PATH=/bin", "-c", "x"), 1000,
	      1000);
	assert_string_equal(env_sorted(f.plan.envp),
			    "A=opt|B=opt|HOME=/home/x|LANG=C.UTF-8|LOGNAME=sandbox|PATH=/bin|"
			    "SHELL=/nonexistent|TMPDIR=/tmp|USER=sandbox");
	teardown(&f);

	/* "A=1" must not replace "AB=2": names compare whole */
	setup(&f, "", ARGS("--env", "AB=2", "--env", "A=1", "--env", "A=", "-c", "x"), 1000, 1000);
	assert_string_equal(
		env_sorted(f.plan.envp),
		"A=|AB=2|HOME=/tmp|LANG=C.UTF-8|LOGNAME=sandbox|"
		"PATH=/usr/local/bin:/usr/bin:/bin|SHELL=/nonexistent|TMPDIR=/tmp|USER=sandbox");
	teardown(&f);
}

static void expect_script(const char *conf, const char *path, const char *src, const char *dst)
{
	struct fixture f;

	setup(&f, conf, ARGS(path, "arg"), 1000, 1000);
	assert_true(f.plan.has_script);
	assert_true(f.plan.n_binds >= 1);
	assert_string_equal(f.plan.binds[f.plan.n_binds - 1].src, src);
	assert_string_equal(f.plan.binds[f.plan.n_binds - 1].dst, dst);
	assert_false(f.plan.binds[f.plan.n_binds - 1].rw); /* the script is read-only inside */
	teardown(&f);
}

static void test_script_inside(void **state)
{
	struct fixture f;
	struct pj_err err = { 0 };

	expect_script("", "/tmp/s.py", "/tmp/s.py", "/tmp/s.py");
	expect_script("", "/tmp/a//b/./s.py", "/tmp/a//b/./s.py", "/tmp/a/b/s.py");
	expect_script("", "/home/u/s.py", "/home/u/s.py", "/home/u/s.py");
	/* relative: the same path relative to the jail's cwd, so "s.py" still works */
	expect_script("", "s.py", "s.py", "/tmp/s.py");
	expect_script("", "./d/s.py", "./d/s.py", "/tmp/d/s.py");
	expect_script("[jail]\ncwd = /work\n", "s.py", "s.py", "/work/s.py");
	/* the script comes after the configured binds */
	setup(&f, "[jail]\nbind = /data:/srv:rw\n", ARGS("--bind", "/in", "/tmp/s.py"), 1000, 1000);
	assert_int_equal(f.plan.n_binds, 3);
	assert_string_equal(f.plan.binds[0].src, "/data");
	assert_string_equal(f.plan.binds[0].dst, "/srv");
	assert_true(f.plan.binds[0].rw);
	assert_string_equal(f.plan.binds[1].dst, "/in");
	assert_false(f.plan.binds[1].rw);
	assert_string_equal(f.plan.binds[2].dst, "/tmp/s.py");
	teardown(&f);
	/* no way out of the jail's view through '..' */
	assert_true(build(&f, "", ARGS("../s.py"), 1000, 1000, &err) < 0);
	assert_err_has(&err, "script: path '/tmp/../s.py' contains '..'");
	teardown(&f);
	assert_true(build(&f, "", ARGS("/tmp/../etc/s.py"), 1000, 1000, &err) < 0);
	assert_err_has(&err, "contains '..'");
	teardown(&f);
	/* -c, -m and - bind nothing */
	setup(&f, "", ARGS("-c", "x"), 1000, 1000);
	assert_false(f.plan.has_script);
	assert_int_equal(f.plan.n_binds, 0);
	teardown(&f);
}

static void test_id_maps(void **state)
{
	struct fixture f;

	/* as root: the program runs as the unprivileged host_uid, never as 0 */
	setup(&f, "", ARGS("-c", "x"), 0, 0);
	assert_true(f.plan.as_root);
	assert_string_equal(f.plan.uid_map, "1000 65534 1\n");
	assert_string_equal(f.plan.gid_map, "1000 65534 1\n");
	assert_int_equal(f.plan.outer_uid, 65534);
	assert_int_equal(f.plan.inner_uid, 1000);
	teardown(&f);

	setup(&f, "[jail]\nhost_uid = 5000\nhost_gid = 5001\nuid = 0\ngid = 0\n", ARGS("-c", "x"),
	      0, 0);
	assert_string_equal(f.plan.uid_map, "0 5000 1\n");
	assert_string_equal(f.plan.gid_map, "0 5001 1\n");
	teardown(&f);

	/* as an ordinary user: only that user's own ids, host_uid does not apply */
	setup(&f, "[jail]\nhost_uid = 5000\n", ARGS("-c", "x"), 1234, 4321);
	assert_false(f.plan.as_root);
	assert_string_equal(f.plan.uid_map, "1000 1234 1\n");
	assert_string_equal(f.plan.gid_map, "1000 4321 1\n");
	assert_int_equal(f.plan.outer_uid, 1234);
	assert_int_equal(f.plan.outer_gid, 4321);
	teardown(&f);

	setup(&f, "[jail]\nuid = 4294967294\n", ARGS("-c", "x"), 4294967293U, 7);
	assert_string_equal(f.plan.uid_map, "4294967294 4294967293 1\n");
	teardown(&f);
}

static void test_print(void **state)
{
	struct fixture f;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	setup(&f, "[limits]\nmemory = 64M\ncpu_quota = 50%\nwall_time = unlimited\n",
	      ARGS("--env", "A=1", "/tmp/s.py"), 0, 0);
	pj_plan_print(&f.plan, out);
	fclose(out);
	assert_non_null(strstr(text, "\nexec /usr/bin/python3\n"));
	assert_non_null(strstr(text, "\nargv /usr/bin/python3\nargv /tmp/s.py\n"));
	assert_non_null(strstr(text, "\nenv A=1\n"));
	assert_non_null(strstr(text, "\nbind /tmp/s.py /tmp/s.py ro\n"));
	assert_non_null(strstr(text, "\nuid_map 1000 65534 1\ngid_map 1000 65534 1\n"));
	assert_non_null(strstr(text, "\nlimit memory 64M\n"));
	assert_non_null(strstr(text, "\nlimit cpu_quota 0.500000\n"));
	assert_non_null(strstr(text, "\nlimit wall_time unlimited\n"));
	assert_non_null(strstr(text, "\nhostname pyjail\n"));
	free(text);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_python),   cmocka_unit_test(test_argv_python_configured),
		cmocka_unit_test(test_argv_run),      cmocka_unit_test(test_env),
		cmocka_unit_test(test_script_inside), cmocka_unit_test(test_id_maps),
		cmocka_unit_test(test_print),
	};

	return PJ_RUN_TESTS(tests);
}
