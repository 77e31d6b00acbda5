/* test-result.c: the JSON result record (every key, escaping, non-UTF-8 output
 * as \udcXX that python3 turns back into the same bytes) and the exit status. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "result.h"
#include "unit.h"

/* noinline: inlined, gcc's -Wdangling-pointer (with musl's <stdio.h>) takes the
 * buffer open_memstream returned for the local that held its address. */
static __attribute__((noinline)) char *record(const struct pj_result *r, bool with_output)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	pj_result_write_json(out, r, with_output);
	fclose(out);
	return text;
}

static __attribute__((noinline)) char *json_string(const char *s, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);

	assert_non_null(out);
	pj_json_write_string(out, s, len);
	fclose(out);
	return text;
}

/* Run python3 on `input` (a file it gets as argv[1]) and return its stdout. */
static char *python(const char *script, const char *input)
{
	char path[] = "/tmp/pj-test-json.XXXXXX", cmd[4096];
	static char out[1 << 16];
	int fd = mkstemp(path);
	size_t n;
	FILE *p;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, input, strlen(input)), (ssize_t)strlen(input));
	close(fd);
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' %s", script, path);
	p = popen(cmd, "r");
	if (!p)
		fail_msg("cannot run python3: the record is checked with python3's json module");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0)
		fail_msg("python3 failed on %s (is python3 installed?)", input);
	unlink(path);
	return out;
}

static void fill_limits(struct pj_result *r)
{
	static const char *const names[PJ_NLIMITS] = { "memory",    "pids",      "cpu_time",
						       "cpu_quota", "wall_time", "output",
						       "file_size", "tmp_size",  "open_files" };
	for (int i = 0; i < PJ_NLIMITS; i++) {
		r->limits[i].name = names[i];
		snprintf(r->limits[i].value, sizeof(r->limits[i].value), "%d", i + 1);
		r->limits[i].enforced_by = i == 0 ? "cgroup1" : i == 3 ? NULL : "rlimit";
	}
	snprintf(r->limits[2].value, sizeof(r->limits[2].value), "10.000000");
	snprintf(r->limits[4].value, sizeof(r->limits[4].value), "null");
}

static const char keys_script[] =
	"import json,sys\n"
	"d = json.load(open(sys.argv[1]))\n"
	"print(\" \".join(sorted(d)))\n"
	"print(\" \".join(sorted(d[\"limits\"])))\n"
	"print(\" \".join(sorted(\"%s=%s:%s\" % (k, v[\"value\"], v[\"enforced_by\"]) "
	"for k, v in d[\"limits\"].items())))\n"
	"print(json.dumps(d[\"denied_syscalls\"], sort_keys=True))\n";

static void test_every_key(void **state)
{
	struct pj_result r = { .status = PJ_ST_EXITED,
			       .exit_code = 3,
			       .wall_ms = 12,
			       .cpu_ms = 5,
			       .peak_memory_bytes = 1 << 20 };
	char *text, *out;

	fill_limits(&r);
	strcpy(r.cgroup, "cgroup1");
	r.denied.n = 2;
	r.denied.e[0].nr = SYS_mount;
	r.denied.e[0].count = 2;
	r.denied.e[1].nr = SYS_ptrace;
	r.denied.e[1].count = 1;
	pj_buf_append(&r.out, "hi\n", 3);
	text = record(&r, true);
	out = python(keys_script, text);
	assert_string_equal(
		out, "cgroup cpu_ms denied_syscalls exit_code limits peak_memory_bytes "
		     "pids_limit_hit signal status stderr stderr_truncated stdout "
		     "stdout_truncated wall_ms\n"
		     "cpu_quota cpu_time file_size memory open_files output pids tmp_size "
		     "wall_time\n"
		     "cpu_quota=4:none cpu_time=10.0:rlimit file_size=7:rlimit memory=1:cgroup1 "
		     "open_files=9:rlimit output=6:rlimit pids=2:rlimit tmp_size=8:rlimit "
		     "wall_time=None:rlimit\n"
		     "{\"mount\": 2, \"ptrace\": 1}\n");
	assert_non_null(strstr(text, "\"status\":\"exited\",\"exit_code\":3,\"signal\":null,"));
	assert_non_null(strstr(text, "\"stdout\":\"hi\\n\",\"stderr\":\"\","));
	assert_non_null(strstr(text, "\"wall_ms\":12,\"cpu_ms\":5,\"peak_memory_bytes\":1048576"));
	assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1); /* exactly one line */
	free(text);

	/* --result FILE: the same record without the output */
	text = record(&r, false);
	out = python(keys_script, text);
	assert_non_null(strstr(out,
			       "cgroup cpu_ms denied_syscalls exit_code limits "
			       "peak_memory_bytes pids_limit_hit signal status stderr_truncated "
			       "stdout_truncated wall_ms\n"));
	assert_null(strstr(text, "\"stdout\":"));
	free(text);
	pj_buf_free(&r.out);
}

static void test_statuses(void **state)
{
	static const struct {
		enum pj_status st;
		const char *name;
		int sig, exit;
	} t[] = {
		{ PJ_ST_EXITED, "exited", 0, 0 },
		{ PJ_ST_SIGNALED, "signaled", SIGSEGV, 128 + SIGSEGV },
		{ PJ_ST_TIMEOUT, "timeout", SIGKILL, 124 },
		{ PJ_ST_CPU_LIMIT, "cpu-limit", SIGXCPU, 128 + SIGXCPU },
		{ PJ_ST_MEMORY_LIMIT, "memory-limit", SIGKILL, 128 + SIGKILL },
		{ PJ_ST_OUTPUT_LIMIT, "output-limit", 0, 128 + SIGKILL },
		{ PJ_ST_SETUP_ERROR, "setup-error", 0, 125 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pj_result r = { .status = t[i].st,
				       .exit_code = t[i].st == PJ_ST_EXITED ? 0 : -1,
				       .signal = t[i].sig };
		char want[64], *text;

		assert_string_equal(pj_result_status_name(t[i].st), t[i].name);
		assert_int_equal(pj_result_exit_status(&r, false), t[i].exit);
		assert_int_equal(pj_result_exit_status(&r, true), t[i].exit);
		if (t[i].st == PJ_ST_EXITED || t[i].st == PJ_ST_SIGNALED ||
		    t[i].st == PJ_ST_SETUP_ERROR)
			assert_null(pj_result_reason(&r));
		else
			assert_non_null(strstr(pj_result_reason(&r), "limit"));
		text = record(&r, true);
		snprintf(want, sizeof(want), "{\"status\":\"%s\",", t[i].name);
		assert_true(strncmp(text, want, strlen(want)) == 0);
		free(text);
	}
	/* the program's own status passes through, 0 to 255 */
	for (int code = 0; code < 256; code += 51) {
		struct pj_result r = { .status = PJ_ST_EXITED, .exit_code = code };
		assert_int_equal(pj_result_exit_status(&r, false), code);
	}
}

static void test_setup_error(void **state)
{
	struct pj_result r = { .status = PJ_ST_SETUP_ERROR, .exit_code = -1 };
	char *text, *out;

	snprintf(r.error.msg, sizeof(r.error.msg), "rootfs '/x\"y' missing\n");
	text = record(&r, true);
	out = python("import json,sys; d = json.load(open(sys.argv[1])); "
		     "print(d[\"status\"], d[\"exit_code\"], d[\"signal\"], repr(d[\"error\"]), "
		     "d[\"limits\"], d[\"cgroup\"])",
		     text);
	assert_string_equal(out, "setup-error None None 'rootfs \\'/x\"y\\' missing\\n' {} none\n");
	free(text);
}

static void expect_escaped(const char *in, size_t len, const char *want)
{
	char *got = json_string(in, len);

	if (strcmp(got, want) != 0)
		fail_msg("escaped as %s, want %s", got, want);
	free(got);
}

static void test_escaping(void **state)
{
	expect_escaped("plain", 5, "\"plain\"");
	expect_escaped("", 0, "\"\"");
	expect_escaped("a\"b\\c/d", 7, "\"a\\\"b\\\\c/d\"");
	expect_escaped("\n\t\r\b\f", 5, "\"\\n\\t\\r\\u0008\\u000c\"");
	expect_escaped("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect_escaped("a\0b", 3, "\"a\\u0000b\"");
	/* valid UTF-8 stays as it is */
	expect_escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	expect_escaped("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	/* anything else byte by byte, as python's surrogateescape */
	expect_escaped("\x80", 1, "\"\\udc80\"");
	expect_escaped("\xff\xfe", 2, "\"\\udcff\\udcfe\"");
	expect_escaped("\xc3", 1, "\"\\udcc3\"");                       /* truncated */
	expect_escaped("\xc3(", 2, "\"\\udcc3(\"");                     /* bad continuation */
	expect_escaped("\xc0\x80", 2, "\"\\udcc0\\udc80\"");            /* overlong NUL */
	expect_escaped("\xe0\x80\xaf", 3, "\"\\udce0\\udc80\\udcaf\""); /* overlong '/' */
	expect_escaped("\xed\xa0\x80", 3, "\"\\udced\\udca0\\udc80\""); /* a surrogate */
	expect_escaped("\xf4\x90\x80\x80", 4, "\"\\udcf4\\udc90\\udc80\\udc80\""); /* > U+10FFFF */
	expect_escaped("\xe2\x82", 2, "\"\\udce2\\udc82\""); /* cut at the end */
	expect_escaped("\xf8\x88\x80\x80\x80", 5, "\"\\udcf8\\udc88\\udc80\\udc80\\udc80\"");
}

/* Random byte strings, biased to the tricky ranges, through python3's json and back. */
static void test_roundtrip_python(void **state)
{
	static const unsigned char picks[] = { 0x00, 0x0a, 0x22, 0x5c, 0x41, 0x7f, 0x80, 0xbf,
					       0xc0, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef,
					       0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90 };
	char *text = NULL, *out;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char *hex = malloc(300 * 2 * 64 + 1024), *h = hex;
	unsigned seed = 42;

	assert_non_null(f);
	fputs("[", f);
	for (int i = 0; i < 300; i++) {
		unsigned char buf[64];
		size_t n = i < 256 ? 1 : 1 + (rand_r(&seed) % 63);
		for (size_t j = 0; j < n; j++)
			buf[j] = i < 256             ? (unsigned char)i
				 : rand_r(&seed) % 3 ? picks[rand_r(&seed) % sizeof(picks)]
						     : (unsigned char)rand_r(&seed);
		fputs(i ? "," : "", f);
		pj_json_write_string(f, (const char *)buf, n);
		for (size_t j = 0; j < n; j++)
			h += sprintf(h, "%02x", buf[j]);
		h += sprintf(h, "\n");
	}
	fputs("]", f);
	fclose(f);
	out = python("import json,sys\n"
		     "for s in json.load(open(sys.argv[1])):\n"
		     "    print(s.encode(\"utf-8\", \"surrogateescape\").hex())\n",
		     text);
	assert_string_equal(out, hex);
	free(text);
	free(hex);
}

static void test_buf(void **state)
{
	struct pj_buf b = { 0 };
	char chunk[1000];

	memset(chunk, 'x', sizeof(chunk));
	for (int i = 0; i < 100; i++)
		assert_int_equal(pj_buf_append(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len);
	assert_int_equal(pj_buf_append(&b, "", 0), 0);
	assert_int_equal(b.len, 100000);
	pj_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	pj_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),        cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_setup_error),      cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_roundtrip_python), cmocka_unit_test(test_buf),
	};

	return PJ_RUN_TESTS(tests);
}
