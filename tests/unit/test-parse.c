/* test-parse.c: the value parsers of parse.c (sizes, durations, fractions, numbers,
 * booleans, binds, environment entries, paths), in the style of minijail's
 * parse_size tests: every accepted spelling, and every way to get it wrong. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)
#define SEC 1000000ULL

static void ok_size(const char *s, uint64_t want)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_size(s, &v, &err) < 0)
		fail_msg("size '%s' refused: %s", s, err.msg);
	if (v != want)
		fail_msg("size '%s' = %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void bad_size(const char *s, const char *needle)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_size(s, &v, &err) >= 0)
		fail_msg("size '%s' accepted as %llu", s, (unsigned long long)v);
	assert_int_equal(v, 12345); /* ret_* untouched on failure */
	assert_err_has(&err, needle);
}

static void test_size_ok(void **state)
{
	ok_size("0", 0);
	ok_size("1", 1);
	ok_size("4096", 4096);
	ok_size("1K", KiB);
	ok_size("1k", KiB);
	ok_size("2KiB", 2 * KiB);
	ok_size("2KB", 2 * KiB);
	ok_size("3Ki", 3 * KiB);
	ok_size("64M", 64 * MiB);
	ok_size("64m", 64 * MiB);
	ok_size("1G", GiB);
	ok_size("1g", GiB);
	ok_size("2T", 2 * TiB);
	ok_size("007M", 7 * MiB);
	ok_size("18446744073709551615", UINT64_MAX);
	ok_size("16777215T", 16777215 * TiB);
	ok_size("17179869183G", 17179869183ULL * GiB);
}

static void test_size_overflow(void **state)
{
	bad_size("18446744073709551616", "out of range");
	bad_size("99999999999999999999999", "out of range");
	bad_size("16777216T", "out of range");
	bad_size("17179869184G", "out of range");
	bad_size("17592186044416M", "out of range");
}

static void test_size_junk(void **state)
{
	bad_size("", "invalid size");
	bad_size("-1", "'-1'");
	bad_size("-0", "invalid size");
	bad_size("+1", "invalid size");
	bad_size(" 1", "invalid size");
	bad_size("1 ", "invalid size");
	bad_size("1 M", "invalid size");
	bad_size("1.5M", "invalid size");
	bad_size("1X", "use K, M or G");
	bad_size("1MM", "invalid size");
	bad_size("1MiBB", "invalid size");
	bad_size("1B", "invalid size");
	bad_size("0x10", "invalid size");
	bad_size("1e3", "invalid size");
	bad_size("M", "invalid size");
	bad_size("1\n", "invalid size");
	bad_size("1\xc2\xa0", "invalid size");
	bad_size("\xd9\xa1", "invalid size"); /* ARABIC-INDIC DIGIT ONE */
}

static void ok_dur(const char *s, uint64_t want)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_duration(s, &v, &err) < 0)
		fail_msg("duration '%s' refused: %s", s, err.msg);
	if (v != want)
		fail_msg("duration '%s' = %llu us, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void bad_dur(const char *s, const char *needle)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_duration(s, &v, &err) >= 0)
		fail_msg("duration '%s' accepted as %llu us", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_err_has(&err, needle);
}

static void test_duration_ok(void **state)
{
	ok_dur("10", 10 * SEC);
	ok_dur("0", 0);
	ok_dur("1.5", 1500000);
	ok_dur("1.5s", 1500000);
	ok_dur("2s", 2 * SEC);
	ok_dur("300ms", 300000);
	ok_dur("1.5ms", 1500);
	ok_dur("250us", 250);
	ok_dur("1m", 60 * SEC);
	ok_dur("1.5m", 90 * SEC);
	ok_dur("2h", 7200 * SEC);
	ok_dur("0.001h", 3600000);
	ok_dur("0.001", 1000);
	ok_dur("0.0000001", 0);            /* below a microsecond: truncated */
	ok_dur("0.123456789h", 444444440); /* 0.123456789 * 3.6e9 us, not 3 * 1.2e8 */
	ok_dur("1.000000999s", SEC);
	ok_dur("20000000000000us", 20000000000000ULL); /* judged in us, not in seconds */
}

static void test_duration_bad(void **state)
{
	bad_dur("", "invalid duration");
	bad_dur("-1", "invalid duration");
	bad_dur("-1s", "invalid duration");
	bad_dur("+1", "invalid duration");
	bad_dur("1.", "invalid duration");
	bad_dur(".5", "invalid duration");
	bad_dur("1..5", "invalid duration");
	bad_dur("1.5.5", "invalid duration");
	bad_dur("1s2", "invalid duration");
	bad_dur("1 s", "invalid duration");
	bad_dur(" 1s", "invalid duration");
	bad_dur("s", "invalid duration");
	bad_dur("ms", "invalid duration");
	bad_dur("1x", "invalid duration");
	bad_dur("1sec", "invalid duration");
	bad_dur("1S", "invalid duration");
	bad_dur("1e3", "invalid duration");
	bad_dur("inf", "invalid duration");
	/* overflow, including the addition of the fraction (used to wrap to 0.45 s) */
	bad_dur("18446744073710", "out of range");
	bad_dur("18446744073709.9s", "out of range");
	bad_dur("99999999999999999999999ms", "out of range");
	bad_dur("5124095576h", "out of range");
	/* the supervisor's timers need the value in nanoseconds */
	bad_dur("18446744073709552us", "out of range");
	ok_dur("18446744073709550us", 18446744073709550ULL);
}

static void ok_frac(const char *s, uint64_t want)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_fraction(s, &v, &err) < 0)
		fail_msg("fraction '%s' refused: %s", s, err.msg);
	if (v != want)
		fail_msg("fraction '%s' = %llu, want %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void bad_frac(const char *s, const char *needle)
{
	struct pj_err err = { 0 };
	uint64_t v = 12345;

	if (pj_parse_fraction(s, &v, &err) >= 0)
		fail_msg("fraction '%s' accepted as %llu", s, (unsigned long long)v);
	assert_int_equal(v, 12345);
	assert_err_has(&err, needle);
}

static void test_fraction(void **state)
{
	ok_frac("0.5", 500000);
	ok_frac("50%", 500000);
	ok_frac("1", 1000000);
	ok_frac("2", 2000000);
	ok_frac("0.25", 250000);
	ok_frac("12.5%", 125000);
	ok_frac("100%", 1000000);
	ok_frac("0.000001", 1);
	ok_frac("1024", 1024000000ULL);
	bad_frac("0", "CPU fraction");
	bad_frac("0%", "CPU fraction");
	bad_frac("0.0000001", "CPU fraction"); /* rounds to nothing */
	bad_frac("", "CPU fraction");
	bad_frac("-0.5", "CPU fraction");
	bad_frac("%", "CPU fraction");
	bad_frac("50%%", "CPU fraction");
	bad_frac("1/2", "CPU fraction");
	bad_frac("half", "CPU fraction");
	bad_frac("0.5 ", "CPU fraction");
	bad_frac("1025", "out of range");
	bad_frac("99999999999999999999", "out of range");
}

static void test_uint(void **state)
{
	struct pj_err err = { 0 };
	uint64_t v = 7;

	assert_int_equal(pj_parse_uint("0", 10, &v, &err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pj_parse_uint("4294967295", UINT32_MAX, &v, &err), 0);
	assert_int_equal(v, UINT32_MAX);
	v = 7;
	assert_true(pj_parse_uint("4294967296", UINT32_MAX, &v, &err) < 0);
	assert_err_has(&err, "at most 4294967295");
	assert_true(pj_parse_uint("11", 10, &v, &err) < 0);
	assert_true(pj_parse_uint("", 10, &v, &err) < 0);
	assert_err_has(&err, "invalid number ''");
	assert_true(pj_parse_uint("-1", 10, &v, &err) < 0);
	assert_true(pj_parse_uint("1a", 10, &v, &err) < 0);
	assert_true(pj_parse_uint(" 1", 10, &v, &err) < 0);
	assert_true(pj_parse_uint("1K", UINT32_MAX, &v, &err) < 0);
	assert_true(pj_parse_uint("99999999999999999999", UINT64_MAX, &v, &err) < 0);
	assert_err_has(&err, "out of range");
	assert_int_equal(v, 7);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "yes", "YES", "Yes", "true", "TRUE", "on", "On", "1" };
	static const char *const no[] = { "no", "NO", "false", "False", "off", "OFF", "0" };
	static const char *const bad[] = { "",     "2",    "y",  "n",  "yess", "enabled",
					   " yes", "yes ", "01", "-1", "nope" };
	struct pj_err err = { 0 };
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(pj_parse_bool(yes[i], &b, &err), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(pj_parse_bool(no[i], &b, &err), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = true;
		if (pj_parse_bool(bad[i], &b, &err) >= 0)
			fail_msg("boolean '%s' accepted", bad[i]);
		assert_true(b);
		assert_err_has(&err, "invalid boolean");
	}
}

static void ok_bind(const char *s, const char *src, const char *dst, bool rw)
{
	struct pj_err err = { 0 };
	struct pj_bind b = { 0 };

	if (pj_parse_bind(s, &b, &err) < 0)
		fail_msg("bind '%s' refused: %s", s, err.msg);
	assert_string_equal(b.src, src);
	assert_string_equal(b.dst, dst);
	assert_int_equal(b.rw, rw);
	free(b.src);
	free(b.dst);
}

static void bad_bind(const char *s, const char *needle)
{
	struct pj_err err = { 0 };
	struct pj_bind b = { 0 };

	if (pj_parse_bind(s, &b, &err) >= 0)
		fail_msg("bind '%s' accepted as %s -> %s", s, b.src, b.dst);
	assert_null(b.src);
	assert_err_has(&err, needle);
}

static void test_bind(void **state)
{
	ok_bind("/data:/srv", "/data", "/srv", false);
	ok_bind("/data:/srv:ro", "/data", "/srv", false);
	ok_bind("/data:/srv:rw", "/data", "/srv", true);
	ok_bind("/data", "/data", "/data", false);
	ok_bind("/a//b/./c/:/x//y/.", "/a/b/c", "/x/y", false);
	ok_bind("/a/..b:/c...", "/a/..b", "/c...", false); /* names, not '..' */
	ok_bind("/tmp/in:/tmp/in:rw", "/tmp/in", "/tmp/in", true);

	bad_bind("/etc/../root:/x", "contains '..'");
	bad_bind("/a:/tmp/../etc", "contains '..'");
	bad_bind("/a:/tmp/..", "contains '..'");
	bad_bind("/..:/x", "contains '..'");
	bad_bind("/a:..", "not absolute");
	bad_bind("a:/b", "not absolute");
	bad_bind("/a:b", "not absolute");
	bad_bind("", "not absolute");
	bad_bind(":/b", "not absolute");
	bad_bind("/a:", "not absolute");
	bad_bind("/a:/b:", "mode must be rw or ro");
	bad_bind("/a:/b:RW", "mode must be rw or ro");
	bad_bind("/a:/b:rx", "mode must be rw or ro");
	bad_bind("/a:/b:rw:rw", "mode must be rw or ro");
	bad_bind("/a:/b:/c", "mode must be rw or ro");
	/* the message names the whole entry */
	bad_bind("/x/../y:/z", "bind '/x/../y:/z'");
}

static void test_env(void **state)
{
	static const char *const good[] = {
		"A=1", "_X=", "a1=b", "PYTHONHASHSEED=0", "X==y", "X=a b\nc", "lower_case9=\xff"
	};
	static const char *const bad[] = { "=x",    "1A=x",  "A-B=x",      "A",    "",
					   "A B=c", "A.B=c", "\xc3\xa9=x", "A\n=x" };
	struct pj_err err = { 0 };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (pj_parse_env(good[i], &err) < 0)
			fail_msg("env '%s' refused: %s", good[i], err.msg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pj_parse_env(bad[i], &err) >= 0)
			fail_msg("env '%s' accepted", bad[i]);
		assert_err_has(&err, "environment");
	}
}

static void ok_path(const char *in, const char *want)
{
	struct pj_err err = { 0 };
	char out[256];

	memset(out, 'Z', sizeof(out));
	if (pj_path_normalize(in, out, &err) < 0)
		fail_msg("path '%s' refused: %s", in, err.msg);
	assert_string_equal(out, want);
	assert_true(strlen(out) <= strlen(in)); /* fits the documented buffer */
}

static void test_path(void **state)
{
	struct pj_err err = { 0 };
	char out[64];

	ok_path("/", "/");
	ok_path("//", "/");
	ok_path("/.", "/");
	ok_path("/./", "/");
	ok_path("/a", "/a");
	ok_path("/a/", "/a");
	ok_path("/a//b///c", "/a/b/c");
	ok_path("/./a/./b/.", "/a/b");
	ok_path("/...", "/...");
	ok_path("/a/.b/b.", "/a/.b/b.");
	assert_true(pj_path_normalize("/a/..", out, &err) < 0);
	assert_err_has(&err, "contains '..'");
	assert_true(pj_path_normalize("/../a", out, &err) < 0);
	assert_true(pj_path_normalize("/a/../../b", out, &err) < 0);
	assert_true(pj_path_normalize("a/b", out, &err) < 0);
	assert_err_has(&err, "not absolute");
	assert_true(pj_path_normalize("", out, &err) < 0);
	assert_true(pj_path_normalize("./a", out, &err) < 0);
}

static void test_format_size(void **state)
{
	char buf[32];

	pj_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	pj_format_size(1024, buf, sizeof(buf));
	assert_string_equal(buf, "1K");
	pj_format_size(1536, buf, sizeof(buf));
	assert_string_equal(buf, "1536");
	pj_format_size(256 * MiB, buf, sizeof(buf));
	assert_string_equal(buf, "256M");
	pj_format_size(3 * GiB, buf, sizeof(buf));
	assert_string_equal(buf, "3G");
	pj_format_size(1024 * TiB, buf, sizeof(buf));
	assert_string_equal(buf, "1024T");
	pj_format_size(UINT64_MAX, buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615");
	/* what it prints parses back to the same value */
	for (uint64_t v = 1; v < (1ULL << 50); v = v * 3 + 1024) {
		uint64_t back;
		struct pj_err err = { 0 };
		pj_format_size(v, buf, sizeof(buf));
		assert_int_equal(pj_parse_size(buf, &back, &err), 0);
		assert_int_equal(back, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_ok),      cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_size_junk),    cmocka_unit_test(test_duration_ok),
		cmocka_unit_test(test_duration_bad), cmocka_unit_test(test_fraction),
		cmocka_unit_test(test_uint),         cmocka_unit_test(test_bool),
		cmocka_unit_test(test_bind),         cmocka_unit_test(test_env),
		cmocka_unit_test(test_path),         cmocka_unit_test(test_format_size),
	};

	return PJ_RUN_TESTS(tests);
}
