/* test-cli.c: pj_cli_parse(): every mode, python's own flags passed through
 * unchanged, pyjail's options only before the python part, and the errors. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "unit.h"

#define MAXARGS 600

/* A writable argv (pj_cli_parse may split "-Bc" in place). */
struct argv_buf {
	char *v[MAXARGS + 1];
	int n;
};

static void mkargv(struct argv_buf *a, const char *const *words)
{
	a->n = 0;
	a->v[a->n++] = strdup("pyjail");
	for (; *words; words++)
		a->v[a->n++] = strdup(*words);
	a->v[a->n] = NULL;
}

static void free_argv(struct argv_buf *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct pj_cli parse_ok(struct argv_buf *a, const char *const *words)
{
	struct pj_cli cli;
	struct pj_err err = { 0 };

	mkargv(a, words);
	if (pj_cli_parse(a->n, a->v, &cli, &err) < 0)
		fail_msg("refused: %s", err.msg);
	return cli;
}

static void parse_fails(const char *const *words, const char *want)
{
	struct argv_buf a;
	struct pj_cli cli;
	struct pj_err err = { 0 };

	mkargv(&a, words);
	if (pj_cli_parse(a.n, a.v, &cli, &err) >= 0)
		fail_msg("accepted, want error '%s'", want);
	if (strcmp(err.msg, want) != 0)
		fail_msg("error '%s', want '%s'", err.msg, want);
	free_argv(&a);
}

/* The python flags and the args, joined with '|' for compact comparisons. */
static const char *joined(char **v, unsigned n)
{
	static char buf[1024];
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "|" : "", v[i]);
	return buf;
}

static void expect(const char *const *words, enum pj_pykind kind, const char *target,
		   const char *flags, const char *args)
{
	struct argv_buf a;
	struct pj_cli cli = parse_ok(&a, words);

	assert_int_equal(cli.mode, PJ_MODE_PYTHON);
	assert_int_equal(cli.pykind, kind);
	if (target)
		assert_string_equal(cli.pytarget, target);
	else
		assert_null(cli.pytarget);
	assert_string_equal(joined(cli.py_flags, cli.n_py_flags), flags);
	assert_null(cli.py_flags[cli.n_py_flags]);
	assert_string_equal(joined(cli.args, cli.n_args), args);
	assert_int_equal(cli.n_overrides, 0);
	pj_cli_free(&cli);
	free_argv(&a);
}

static void test_python_modes(void **state)
{
	expect(ARGS("-c", "print(1)"), PJ_PY_CODE, "print(1)", "", "");
	expect(ARGS("-c", "print(1)", "a", "b"), PJ_PY_CODE, "print(1)", "", "a|b");
	expect(ARGS("-cprint(2)", "x"), PJ_PY_CODE, "print(2)", "", "x");
	expect(ARGS("-c", "-1"), PJ_PY_CODE, "-1", "", "");
	expect(ARGS("-m", "json.tool", "in.json"), PJ_PY_MODULE, "json.tool", "", "in.json");
	expect(ARGS("-mhttp.server"), PJ_PY_MODULE, "http.server", "", "");
	expect(ARGS("script.py"), PJ_PY_SCRIPT, "script.py", "", "");
	expect(ARGS("/tmp/s.py", "a", "-c", "b"), PJ_PY_SCRIPT, "/tmp/s.py", "", "a|-c|b");
	expect(ARGS("-"), PJ_PY_STDIN, NULL, "", "");
	expect(ARGS("-", "x", "-y"), PJ_PY_STDIN, NULL, "", "x|-y");
	expect(ARGS("--", "-odd.py", "z"), PJ_PY_SCRIPT, "-odd.py", "", "z");
	expect(ARGS("--"), PJ_PY_NONE, NULL, "", "");
}

static void test_no_arguments(void **state)
{
	static const char *const none[] = { NULL };
	struct argv_buf a;
	struct pj_cli cli = parse_ok(&a, none);

	assert_int_equal(cli.mode, PJ_MODE_PYTHON);
	assert_int_equal(cli.pykind, PJ_PY_NONE); /* python's REPL, or a program on stdin */
	assert_int_equal(cli.n_args, 0);
	pj_cli_free(&cli);
	free_argv(&a);
}

static void test_python_flags(void **state)
{
	expect(ARGS("-u", "-c", "x"), PJ_PY_CODE, "x", "-u", "");
	expect(ARGS("-B", "-I", "-u", "-c", "x"), PJ_PY_CODE, "x", "-B|-I|-u", "");
	expect(ARGS("-X", "dev", "-W", "error", "-c", "x"), PJ_PY_CODE, "x", "-X|dev|-W|error", "");
	expect(ARGS("-Xdev", "-Werror", "-m", "m"), PJ_PY_MODULE, "m", "-Xdev|-Werror", "");
	expect(ARGS("-Bc", "pass"), PJ_PY_CODE, "pass", "-B", "");
	expect(ARGS("-uBc", "pass", "1"), PJ_PY_CODE, "pass", "-uB", "1");
	expect(ARGS("-Bcpass"), PJ_PY_CODE, "pass", "-B", "");
	expect(ARGS("-Im", "mod"), PJ_PY_MODULE, "mod", "-I", "");
	expect(ARGS("-uX", "dev", "s.py"), PJ_PY_SCRIPT, "s.py", "-uX|dev", "");
	expect(ARGS("-E", "-s", "-S", "-O", "-q", "-"), PJ_PY_STDIN, NULL, "-E|-s|-S|-O|-q", "");
	expect(ARGS("-h"), PJ_PY_NONE, NULL, "-h", "");
	expect(ARGS("-V"), PJ_PY_NONE, NULL, "-V", "");
	expect(ARGS("-u", "--", "s.py"), PJ_PY_SCRIPT, "s.py", "-u", "");
}

static void test_options_then_python(void **state)
{
	struct argv_buf a;
	struct pj_cli cli = parse_ok(&a, ARGS("--memory", "64M", "--pids=10", "--env", "A=1",
					      "--env=B=2", "--bind", "/d:/d", "--output-limit",
					      "1K", "-u", "-c", "x", "--memory", "1G", "--json"));

	assert_int_equal(cli.n_overrides, 6);
	assert_string_equal(cli.overrides[0].key, "memory");
	assert_string_equal(cli.overrides[0].value, "64M");
	assert_string_equal(cli.overrides[0].option, "memory");
	assert_string_equal(cli.overrides[1].key, "pids");
	assert_string_equal(cli.overrides[1].value, "10");
	assert_string_equal(cli.overrides[2].value, "A=1");
	assert_string_equal(cli.overrides[3].value, "B=2"); /* only the first '=' splits */
	assert_string_equal(cli.overrides[4].key, "bind");
	assert_string_equal(cli.overrides[5].key, "output");
	assert_string_equal(cli.overrides[5].option, "output-limit");
	/* after the python part, pyjail's options belong to the program */
	assert_false(cli.json);
	assert_string_equal(joined(cli.args, cli.n_args), "--memory|1G|--json");
	assert_string_equal(joined(cli.py_flags, cli.n_py_flags), "-u");
	pj_cli_free(&cli);
	free_argv(&a);

	cli = parse_ok(&a, ARGS("--config", "c.conf", "--profile=p", "--json", "--result", "r.json",
				"--timings", "--print-plan", "--rootfs", "/r", "s.py", "--json"));
	assert_string_equal(cli.config_path, "c.conf");
	assert_string_equal(cli.profile, "p");
	assert_true(cli.json);
	assert_string_equal(cli.result_path, "r.json");
	assert_true(cli.timings);
	assert_true(cli.print_plan);
	assert_int_equal(cli.n_overrides, 1);
	assert_string_equal(cli.overrides[0].key, "rootfs");
	assert_string_equal(joined(cli.args, cli.n_args), "--json");
	pj_cli_free(&cli);
	free_argv(&a);

	/* every limit option maps to its config key */
	cli = parse_ok(&a, ARGS("--cpu-time", "1", "--cpu-quota", "0.5", "--wall-time", "2",
				"--file-size", "1M", "--tmp-size", "2M", "--open-files", "20", "-c",
				"x"));
	assert_string_equal(cli.overrides[0].key, "cpu_time");
	assert_string_equal(cli.overrides[1].key, "cpu_quota");
	assert_string_equal(cli.overrides[2].key, "wall_time");
	assert_string_equal(cli.overrides[3].key, "file_size");
	assert_string_equal(cli.overrides[4].key, "tmp_size");
	assert_string_equal(cli.overrides[5].key, "open_files");
	pj_cli_free(&cli);
	free_argv(&a);
}

static void test_run_check_help_version(void **state)
{
	struct argv_buf a;
	struct pj_cli cli = parse_ok(&a, ARGS("--memory", "1G", "run", "ls", "-l", "/"));

	assert_int_equal(cli.mode, PJ_MODE_RUN);
	assert_string_equal(joined(cli.args, cli.n_args), "ls|-l|/");
	assert_int_equal(cli.n_overrides, 1);
	pj_cli_free(&cli);
	free_argv(&a);

	cli = parse_ok(&a, ARGS("run", "--", "prog", "--", "-x"));
	assert_int_equal(cli.mode, PJ_MODE_RUN);
	assert_string_equal(joined(cli.args, cli.n_args), "prog|--|-x");
	pj_cli_free(&cli);
	free_argv(&a);

	cli = parse_ok(&a, ARGS("run", "--memory", "1G"));
	assert_string_equal(joined(cli.args, cli.n_args), "--memory|1G"); /* the program's */
	pj_cli_free(&cli);
	free_argv(&a);

	cli = parse_ok(&a, ARGS("check"));
	assert_int_equal(cli.mode, PJ_MODE_CHECK);
	pj_cli_free(&cli);
	free_argv(&a);
	cli = parse_ok(&a, ARGS("--config", "x.conf", "check"));
	assert_int_equal(cli.mode, PJ_MODE_CHECK);
	pj_cli_free(&cli);
	free_argv(&a);

	cli = parse_ok(&a, ARGS("--help"));
	assert_int_equal(cli.mode, PJ_MODE_HELP);
	pj_cli_free(&cli);
	free_argv(&a);
	cli = parse_ok(&a, ARGS("--version"));
	assert_int_equal(cli.mode, PJ_MODE_VERSION);
	pj_cli_free(&cli);
	free_argv(&a);

	/* a script called "run" or "check" needs a path, as with any command */
	expect(ARGS("./run"), PJ_PY_SCRIPT, "./run", "", "");
	expect(ARGS("-u", "check"), PJ_PY_SCRIPT, "check", "-u", "");
}

static void test_errors(void **state)
{
	parse_fails(ARGS("--nope"), "unknown option '--nope' (see pyjail --help)");
	parse_fails(ARGS("--memory"), "option '--memory' needs a value (SIZE)");
	parse_fails(ARGS("--bind"), "option '--bind' needs a value (SRC:DST[:rw])");
	parse_fails(ARGS("--json=yes", "-c", "x"), "option '--json' takes no value");
	parse_fails(ARGS("--mem", "1G"), "unknown option '--mem' (see pyjail --help)");
	parse_fails(ARGS("--memory-limit=1G"),
		    "unknown option '--memory-limit=1G' (see pyjail --help)");
	parse_fails(ARGS("-Z"), "unknown option '-Z' (pyjail's own options are long options and "
				"come first; see pyjail --help)");
	parse_fails(ARGS("-u", "--memory", "1G", "-c", "x"),
		    "unknown option '--memory' (pyjail's own options are long options and come "
		    "first; see pyjail --help)");
	parse_fails(ARGS("-c"), "python option '-c' needs an argument");
	parse_fails(ARGS("-Bc"), "python option '-c' needs an argument");
	parse_fails(ARGS("-m"), "python option '-m' needs an argument");
	parse_fails(ARGS("-W"), "python option '-W' needs an argument");
	parse_fails(ARGS("-u", "-X"), "python option '-X' needs an argument");
	parse_fails(ARGS("run"), "'run' needs a PROGRAM to run");
	parse_fails(ARGS("run", "--"), "'run' needs a PROGRAM to run");
	parse_fails(ARGS("check", "extra"), "'check' takes no arguments");
}

static void test_too_many_options(void **state)
{
	const char *words[MAXARGS];
	int n = 0;

	for (int i = 0; i < (PJ_MAX_OVERRIDES + 1) && n + 2 < MAXARGS - 1; i++)
		words[n++] = "--pids=1";
	words[n++] = "-c";
	words[n++] = "x";
	words[n] = NULL;
	parse_fails(words, "too many options");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_modes),
		cmocka_unit_test(test_no_arguments),
		cmocka_unit_test(test_python_flags),
		cmocka_unit_test(test_options_then_python),
		cmocka_unit_test(test_run_check_help_version),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_options),
	};

	return PJ_RUN_TESTS(tests);
}
