/* test-config.c: the key table, defaults, INI loading through
 * pj_config_load_string(), profiles, precedence, admin-only keys, ceilings and
 * validation, with the exact "file:line: key: reason" messages users see. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

#define MiB (1024ULL * 1024)
#define SEC 1000000ULL

/* Load text into a fresh config; fail the test on error. */
static void load(struct pj_config *cfg, const char *text, const char *profile)
{
	struct pj_err err = { 0 };

	if (pj_config_init(cfg, &err) < 0)
		fail_msg("init: %s", err.msg);
	if (pj_config_load_string(cfg, text, "t.conf", profile, &err) < 0)
		fail_msg("load refused: %s", err.msg);
}

/* Loading text must fail with exactly this message. */
static void load_fails(const char *text, const char *profile, const char *want)
{
	struct pj_config cfg;
	struct pj_err err = { 0 };

	assert_int_equal(pj_config_init(&cfg, &err), 0);
	if (pj_config_load_string(&cfg, text, "t.conf", profile, &err) >= 0)
		fail_msg("accepted: %s", text);
	if (strcmp(err.msg, want) != 0)
		fail_msg("error '%s', want '%s'", err.msg, want);
	pj_config_free(&cfg);
}

/* Loading text must fail with a message that contains this. */
static void load_fails_has(const char *text, const char *want)
{
	struct pj_config cfg;
	struct pj_err err = { 0 };

	assert_int_equal(pj_config_init(&cfg, &err), 0);
	if (pj_config_load_string(&cfg, text, "t.conf", NULL, &err) >= 0)
		fail_msg("accepted: %s", text);
	assert_err_has(&err, want);
	pj_config_free(&cfg);
}

static void set_cli(struct pj_config *cfg, const char *key, const char *value)
{
	struct pj_err err = { 0 };

	if (pj_config_set(cfg, pj_config_find(NULL, key), value, PJ_FROM_CLI, &err) < 0)
		fail_msg("%s=%s refused: %s", key, value, err.msg);
}

static void validate_fails(const struct pj_config *cfg, const char *want)
{
	struct pj_err err = { 0 };

	if (pj_config_validate(cfg, &err) >= 0)
		fail_msg("validation passed, want '%s'", want);
	assert_err_has(&err, want);
}

static void validate_ok(const struct pj_config *cfg)
{
	struct pj_err err = { 0 };

	if (pj_config_validate(cfg, &err) < 0)
		fail_msg("validation failed: %s", err.msg);
}

static void test_table(void **state)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		assert_non_null(k->help);
		assert_true(strlen(k->help) > 5);
		assert_true(!strcmp(k->section, "jail") || !strcmp(k->section, "limits") ||
			    !strcmp(k->section, "seccomp") || !strcmp(k->section, "serve"));
		/* names are unique across sections: profiles look keys up by name alone */
		for (unsigned j = i + 1; j < pj_config_nkeys; j++)
			if (!strcmp(k->name, pj_config_keys[j].name))
				fail_msg("key '%s' appears twice", k->name);
		assert_ptr_equal(pj_config_find(k->section, k->name), k);
		assert_ptr_equal(pj_config_find(NULL, k->name), k);
		/* every limit is followed by its ceiling, which only the admin sets */
		if (!strcmp(k->section, "limits") && k->type != PJ_K_CEILING &&
		    k->type != PJ_K_BOOL && k->type != PJ_K_STR) {
			char want[64];
			snprintf(want, sizeof(want), "max_%s", k->name);
			assert_true(i + 1 < pj_config_nkeys);
			assert_string_equal(k[1].name, want);
			assert_int_equal(k[1].type, PJ_K_CEILING);
			assert_int_equal(k[1].ceiling_of, k->type);
			assert_int_equal(k[1].allowed, PJ_FROM_FILE);
		}
	}
	assert_null(pj_config_find("jail", "memory")); /* wrong section */
	assert_null(pj_config_find(NULL, "nosuchkey"));
}

static void test_defaults(void **state)
{
	struct pj_config cfg;
	struct pj_err err = { 0 };

	assert_int_equal(pj_config_init(&cfg, &err), 0);
	assert_int_equal(cfg.memory.value, 256 * MiB);
	assert_int_equal(cfg.pids.value, 64);
	assert_int_equal(cfg.cpu_time.value, 10 * SEC);
	assert_int_equal(cfg.cpu_quota.value, 1000000);
	assert_int_equal(cfg.wall_time.value, 30 * SEC);
	assert_int_equal(cfg.output.value, 16 * MiB);
	assert_int_equal(cfg.file_size.value, 64 * MiB);
	assert_int_equal(cfg.tmp_size.value, 64 * MiB);
	assert_int_equal(cfg.open_files.value, 256);
	assert_int_equal(cfg.memory.max, PJ_UNLIMITED);
	assert_int_equal(cfg.open_files.max, PJ_UNLIMITED);
	assert_true(cfg.rootfs[0] == '/');
	assert_string_equal(cfg.python, "/usr/bin/python3");
	assert_string_equal(cfg.hostname, "pyjail");
	assert_string_equal(cfg.cwd, "/tmp");
	assert_int_equal(cfg.uid, 1000);
	assert_int_equal(cfg.gid, 1000);
	assert_int_equal(cfg.host_uid, 65534);
	assert_int_equal(cfg.host_gid, 65534);
	assert_true(cfg.landlock);
	assert_false(cfg.require_cgroup);
	assert_string_equal(cfg.cgroup_parent, "");
	assert_int_equal(cfg.seccomp_default, PJ_SECCOMP_ERRNO);
	assert_int_equal(cfg.env.n, 0);
	assert_int_equal(cfg.binds.n, 0);
	validate_ok(&cfg);
	pj_config_free(&cfg);
	pj_config_free(&cfg); /* idempotent */
}

static void test_file_overrides_defaults(void **state)
{
	struct pj_config cfg;

	load(&cfg,
	     "; a comment\n# another\n[limits]\nmemory = 128M\ncpu_time = 1.5s ; inline\n"
	     "cpu_quota = 50%\n[jail]\nhostname = box\nenv = A=1\nenv = B=2\n"
	     "bind = /data:/srv:rw\nlandlock = no\n[seccomp]\nallow = @sysv-ipc mq_open,mq_unlink\n"
	     "default_action = log\n[limits]\nmemory = 96M\n",
	     NULL);
	assert_int_equal(cfg.memory.value, 96 * MiB); /* the last one wins */
	assert_int_equal(cfg.cpu_time.value, 1500000);
	assert_int_equal(cfg.cpu_quota.value, 500000);
	assert_int_equal(cfg.pids.value, 64); /* untouched keys keep their defaults */
	assert_string_equal(cfg.hostname, "box");
	assert_int_equal(cfg.env.n, 2);
	assert_string_equal(cfg.env.v[0], "A=1");
	assert_string_equal(cfg.env.v[1], "B=2");
	assert_null(cfg.env.v[2]);
	assert_int_equal(cfg.binds.n, 1);
	assert_false(cfg.landlock);
	assert_int_equal(cfg.seccomp_allow.n, 3);
	assert_string_equal(cfg.seccomp_allow.v[2], "mq_unlink");
	assert_int_equal(cfg.seccomp_default, PJ_SECCOMP_LOG);
	validate_ok(&cfg);
	pj_config_free(&cfg);
}

static const char profiles[] = "[profile strict]\n" /* 1 */
			       "memory = 64M\n"     /* 2 */
			       "env = P=strict\n"   /* 3 */
			       "[limits]\n"         /* 4 */
			       "memory = 128M\n"    /* 5 */
			       "pids = 32\n"        /* 6 */
			       "[jail]\n"           /* 7 */
			       "env = F=file\n"     /* 8 */
			       "[profile loose]\n"  /* 9 */
			       "memory = 1G\n"      /* 10 */
			       "env = P=loose\n";   /* 11 */

static void test_profile_overrides_file(void **state)
{
	struct pj_config cfg;

	/* no profile: the file alone */
	load(&cfg, profiles, NULL);
	assert_int_equal(cfg.memory.value, 128 * MiB);
	assert_int_equal(cfg.env.n, 1);
	pj_config_free(&cfg);

	/* the profile wins even though it comes before [limits] in the file */
	load(&cfg, profiles, "strict");
	assert_int_equal(cfg.memory.value, 64 * MiB);
	assert_int_equal(cfg.pids.value, 32);
	assert_int_equal(cfg.env.n, 2);
	assert_string_equal(cfg.env.v[0], "F=file");
	assert_string_equal(cfg.env.v[1], "P=strict");
	pj_config_free(&cfg);

	load(&cfg, profiles, "loose");
	assert_int_equal(cfg.memory.value, 1024 * MiB);
	assert_string_equal(cfg.env.v[1], "P=loose");
	pj_config_free(&cfg);

	load(&cfg, "[profile empty]\n", "empty");
	assert_int_equal(cfg.memory.value, 256 * MiB);
	pj_config_free(&cfg);
}

static void test_option_overrides_profile(void **state)
{
	struct pj_config cfg;

	load(&cfg, profiles, "strict");
	set_cli(&cfg, "memory", "32M");
	set_cli(&cfg, "env", "O=opt");
	set_cli(&cfg, "wall_time", "2.5");
	assert_int_equal(cfg.memory.value, 32 * MiB);
	assert_int_equal(cfg.pids.value, 32);
	assert_int_equal(cfg.env.n, 3);
	assert_string_equal(cfg.env.v[2], "O=opt");
	assert_int_equal(cfg.wall_time.value, 2500000);
	validate_ok(&cfg);
	pj_config_free(&cfg);
}

static void test_missing_profile(void **state)
{
	load_fails(profiles, "nosuch", "t.conf: no such profile [profile nosuch]");
	load_fails("[jail]\n# [profile x]\n", "x", "t.conf: no such profile [profile x]");
	load_fails("", "x", "t.conf: no such profile [profile x]");
	load_fails(profiles, "", "invalid profile name '' (1 to 32 characters)");
	/* longer than inih keeps: would silently match nothing */
	load_fails("[profile abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij]\nmemory = 8M\n",
		   "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij",
		   "invalid profile name 'abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij' "
		   "(1 to 32 characters)");
	load_fails(
		"[profile abcdefghijabcdefghijabcdefghijabc]\nmemory = 8M\n", NULL,
		"t.conf:2: profile name 'abcdefghijabcdefghijabcdefghijabc' is too long (at most "
		"32 characters)");
}

static void test_unknown_key_and_section(void **state)
{
	load_fails("[limits]\nmemory = 1G\nmemroy = 1G\n", NULL,
		   "t.conf:3: unknown key 'memroy' in [limits]");
	load_fails("[jail]\nmemory = 1G\n", NULL, "t.conf:2: unknown key 'memory' in [jail]");
	load_fails("\n\n[jial]\nrootfs = /r\n", NULL, "t.conf:4: unknown section [jial]");
	load_fails("memory = 1G\n", NULL, "t.conf:1: unknown section []");
	load_fails("[profile]\nmemory = 1G\n", NULL, "t.conf:2: unknown section [profile]");
	load_fails("[profile p]\nnosuch = 1\n", NULL,
		   "t.conf:2: unknown key 'nosuch' in [profile p]");
	/* an error in a profile that is not chosen is still an error */
	load_fails("[limits]\npids = 1\n[profile p]\nmemory = lots\n", NULL,
		   "t.conf:4: memory: invalid size 'lots'");
	load_fails("[limits]\npids = 1\n[profile p]\nmemory = lots\n", "q",
		   "t.conf:4: memory: invalid size 'lots'");
	load_fails("[limits]\nmemory = 1G\nthis line has no equals sign\n", NULL,
		   "t.conf:3: syntax error");
	load_fails("[limits\nmemory = 1G\n", NULL, "t.conf:1: syntax error");
	load_fails("[limits]\nmemory = 1G\n[x\npids = 1\nnosuch = 2\n", NULL,
		   "t.conf:3: syntax error");
}

/* inih cuts a line longer than its buffer and parses the tail as a line of its own:
 * such a line is refused, with its number, instead. */
static void test_long_line(void **state)
{
	char text[1024], want[128];
	struct pj_config cfg;
	int fill = 199 - (int)strlen("bind = /");

	/* the longest line that fits */
	snprintf(text, sizeof(text), "[jail]\nbind = /%0*d\n[limits]\npids = 7\n", fill, 0);
	load(&cfg, text, NULL);
	assert_int_equal(cfg.binds.n, 1);
	assert_int_equal(strlen(cfg.binds.v[0]), 199 - strlen("bind = "));
	assert_int_equal(cfg.pids.value, 7);
	pj_config_free(&cfg);
	/* one byte more; the tail would have read as "memory = 1G" */
	snprintf(text, sizeof(text), "[jail]\n\nbind = /%0*dmemory = 1G\n[limits]\n", fill - 10, 0);
	snprintf(want, sizeof(want), "t.conf:3: line is longer than 199 bytes");
	load_fails(text, NULL, want);
	/* an earlier error still comes first */
	snprintf(text, sizeof(text), "[jail]\nnosuch = 1\nbind = /%0*d\n", fill + 1, 0);
	load_fails(text, NULL, "t.conf:2: unknown key 'nosuch' in [jail]");
}

static void test_bad_value_names_key(void **state)
{
	load_fails("[limits]\nmemory = 12 M\n", NULL,
		   "t.conf:2: memory: invalid size (use K, M or G) '12 M'");
	load_fails("[limits]\n\npids = -1\n", NULL, "t.conf:3: pids: invalid number '-1'");
	load_fails("[limits]\ncpu_time = 1x\n", NULL,
		   "t.conf:2: cpu_time: invalid duration (e.g. 10, 1.5s, 300ms) '1x'");
	load_fails("[limits]\ncpu_quota = 0\n", NULL,
		   "t.conf:2: cpu_quota: invalid CPU fraction (e.g. 0.5 or 50%) '0'");
	load_fails("[limits]\nmax_wall_time = soon\n", NULL,
		   "t.conf:2: max_wall_time: invalid duration (e.g. 10, 1.5s, 300ms) 'soon'");
	load_fails("[jail]\nlandlock = maybe\n", NULL,
		   "t.conf:2: landlock: invalid boolean 'maybe' (use yes or no)");
	load_fails("[jail]\nrootfs = relative/dir\n", NULL,
		   "t.conf:2: rootfs: path 'relative/dir' is not absolute");
	load_fails("[jail]\ncwd = /tmp/../etc\n", NULL,
		   "t.conf:2: cwd: path '/tmp/../etc' contains '..'");
	load_fails("[jail]\nuid = 4294967295\n", NULL,
		   "t.conf:2: uid: number '4294967295' is out of range (at most 4294967294)");
	load_fails("[jail]\nenv = 1X=y\n", NULL,
		   "t.conf:2: env: invalid environment variable name in '1X=y'");
	load_fails("[jail]\nbind = /a:/b/..\n", NULL,
		   "t.conf:2: bind: bind '/a:/b/..': path '/b/..' contains '..'");
	load_fails("[seccomp]\ndefault_action = allow\n", NULL,
		   "t.conf:2: default_action: invalid action 'allow' (use errno, kill or log)");
	/* seccomp.c words the reason; the key and line come from here */
	load_fails_has("[seccomp]\n\nallow = mq_open nosuchcall\n", "t.conf:3: allow: ");
	load_fails_has("[seccomp]\nallow = mount\n", "t.conf:2: allow: ");
	load_fails_has("[profile p]\ndeny = @nosuchgroup\n", "t.conf:2: deny: ");
}

static void test_admin_only(void **state)
{
	static const char *const admin[] = { "host_uid",      "host_gid",      "require_cgroup",
					     "cgroup_parent", "max_memory",    "max_pids",
					     "max_cpu_time",  "max_wall_time", "max_open_files" };
	static const char *const values[] = { "1234", "1234", "yes", "/x", "1G",
					      "5",    "1s",   "1s",  "20" };
	struct pj_config cfg;
	struct pj_err err = { 0 };

	for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
		const struct pj_key *k = pj_config_find(NULL, admin[i]);
		char text[128], want[200];

		assert_non_null(k);
		/* the system file may set it */
		snprintf(text, sizeof(text), "[%s]\n%s = %s\n", k->section, admin[i], values[i]);
		load(&cfg, text, NULL);
		pj_config_free(&cfg);
		/* a profile may not, chosen or not */
		snprintf(text, sizeof(text), "[profile p]\n%s = %s\n", admin[i], values[i]);
		snprintf(want, sizeof(want),
			 "t.conf:2: %s: may only be set in the system config "
			 "file, not in a profile or an option",
			 admin[i]);
		load_fails(text, NULL, want);
		load_fails(text, "p", want);
		/* nor an option */
		assert_int_equal(pj_config_init(&cfg, &err), 0);
		assert_true(pj_config_set(&cfg, k, values[i], PJ_FROM_CLI, &err) < 0);
		assert_err_has(&err, "may only be set in the system config file");
		pj_config_free(&cfg);
	}
	/* the ordinary keys are allowed everywhere */
	for (unsigned i = 0; i < pj_config_nkeys; i++)
		if (pj_config_keys[i].type != PJ_K_CEILING &&
		    pj_config_keys[i].allowed == PJ_FROM_FILE)
			assert_string_not_equal(pj_config_keys[i].section, "seccomp");
}

static void test_ceilings(void **state)
{
	struct pj_config cfg;
	static const char file[] = "[limits]\nmax_memory = 512M\nmax_wall_time = 1m\n"
				   "max_cpu_quota = 50%\nmax_pids = 100\nmax_tmp_size = 64M\n"
				   "[profile big]\nmemory = 1G\n[profile ok]\nmemory = 512M\n";

	/* at the ceiling is fine */
	load(&cfg, file, "ok");
	assert_int_equal(cfg.memory.max, 512 * MiB);
	assert_int_equal(cfg.wall_time.max, 60 * SEC);
	validate_fails(&cfg, "cpu_quota 1.000000 exceeds the ceiling max_cpu_quota = 0.500000");
	set_cli(&cfg, "cpu_quota", "0.5");
	validate_ok(&cfg);
	/* an option above it fails, naming the value and the ceiling */
	set_cli(&cfg, "memory", "600M");
	validate_fails(
		&cfg, "memory 600M exceeds the ceiling max_memory = 512M set by the administrator");
	set_cli(&cfg, "memory", "unlimited");
	validate_fails(&cfg, "memory unlimited exceeds the ceiling max_memory = 512M");
	set_cli(&cfg, "memory", "100M");
	set_cli(&cfg, "wall_time", "61");
	validate_fails(&cfg, "wall_time 61s exceeds the ceiling max_wall_time = 60s");
	set_cli(&cfg, "wall_time", "60.5");
	validate_fails(&cfg, "wall_time 60500ms exceeds the ceiling max_wall_time = 60s");
	set_cli(&cfg, "wall_time", "1m");
	set_cli(&cfg, "pids", "101");
	validate_fails(&cfg, "pids 101 exceeds the ceiling max_pids = 100");
	set_cli(&cfg, "pids", "100");
	validate_ok(&cfg);
	/* 0 is no way around a ceiling: a zero timer never fires, a zero tmpfs is unbounded */
	set_cli(&cfg, "wall_time", "0");
	validate_fails(&cfg, "must be greater than 0");
	set_cli(&cfg, "wall_time", "0.0000001");
	validate_fails(&cfg, "must be greater than 0");
	set_cli(&cfg, "wall_time", "1");
	set_cli(&cfg, "tmp_size", "0");
	validate_fails(&cfg, "must be greater than 0");
	set_cli(&cfg, "tmp_size", "1M");
	set_cli(&cfg, "cpu_time", "0ms");
	validate_fails(&cfg, "must be greater than 0");
	set_cli(&cfg, "cpu_time", "1");
	validate_ok(&cfg);
	pj_config_free(&cfg);

	/* a profile above it */
	load(&cfg, file, "big");
	set_cli(&cfg, "cpu_quota", "0.5");
	validate_fails(&cfg, "memory 1G exceeds the ceiling max_memory = 512M");
	pj_config_free(&cfg);

	/* the file's own value above its ceiling is the admin's mistake, still refused */
	load(&cfg, "[limits]\nmemory = 1G\nmax_memory = 1G\nmax_memory = 512M\n", NULL);
	validate_fails(&cfg, "memory 1G exceeds the ceiling max_memory = 512M");
	pj_config_free(&cfg);
}

static void test_validate(void **state)
{
	struct pj_config cfg;

	load(&cfg, "[jail]\nhost_uid = 0\n", NULL);
	validate_fails(&cfg, "host_uid and host_gid must not be 0");
	pj_config_free(&cfg);
	load(&cfg, "[jail]\nhost_gid = 0\n", NULL);
	validate_fails(&cfg, "host_uid and host_gid must not be 0");
	pj_config_free(&cfg);
	load(&cfg, "[limits]\nmemory = 1M\n", NULL);
	validate_fails(&cfg, "memory must be at least 4M");
	pj_config_free(&cfg);
	load(&cfg, "[limits]\nmemory = unlimited\npids = none\nwall_time = unlimited\n", NULL);
	assert_int_equal(cfg.memory.value, PJ_UNLIMITED);
	assert_int_equal(cfg.pids.value, PJ_UNLIMITED);
	validate_ok(&cfg);
	set_cli(&cfg, "pids", "0");
	validate_fails(&cfg, "pids must be at least 1");
	set_cli(&cfg, "pids", "1");
	set_cli(&cfg, "open_files", "15");
	validate_fails(&cfg, "open_files at least 16");
	pj_config_free(&cfg);
	load(&cfg,
	     "[jail]\nhostname = 0123456789012345678901234567890123456789012345678901234567890123"
	     "4\n",
	     NULL);
	validate_fails(&cfg, "must be 1 to 64 characters");
	pj_config_free(&cfg);
	load(&cfg, "[jail]\nhostname =\n", NULL);
	validate_fails(&cfg, "must be 1 to 64 characters");
	pj_config_free(&cfg);
}

static void test_list_cap(void **state)
{
	struct pj_config cfg;
	struct pj_err err = { 0 };
	size_t size = 300 * 16 + 64;
	char *text = malloc(size), *p = text;

	assert_non_null(text);
	/* three profiles of 100 entries each: checking them must not add up to the cap */
	for (int prof = 0; prof < 3; prof++) {
		p += sprintf(p, "[profile p%d]\n", prof);
		for (int i = 0; i < 100; i++)
			p += sprintf(p, "env = V%d=1\n", i);
	}
	load(&cfg, text, "p2");
	assert_int_equal(cfg.env.n, 100);
	pj_config_free(&cfg);
	/* but one list has a hard cap */
	assert_int_equal(pj_config_init(&cfg, &err), 0);
	for (int i = 0; i < 256; i++)
		set_cli(&cfg, "env", "A=1");
	assert_true(pj_config_set(&cfg, pj_config_find(NULL, "env"), "A=1", PJ_FROM_CLI, &err) < 0);
	assert_err_has(&err, "too many entries");
	pj_config_free(&cfg);
	free(text);
}

static void test_format(void **state)
{
	struct pj_config cfg;
	char buf[32];

	load(&cfg,
	     "[limits]\nmemory = 1536K\ncpu_time = 250ms\ncpu_quota = 25%\npids = 7\n"
	     "max_output = 2G\n",
	     NULL);
	pj_config_format(pj_config_find(NULL, "memory"), &cfg.memory.value, buf, sizeof(buf));
	assert_string_equal(buf, "1536K");
	pj_config_format(pj_config_find(NULL, "cpu_time"), &cfg.cpu_time.value, buf, sizeof(buf));
	assert_string_equal(buf, "250ms");
	pj_config_format(pj_config_find(NULL, "wall_time"), &cfg.wall_time.value, buf, sizeof(buf));
	assert_string_equal(buf, "30s");
	pj_config_format(pj_config_find(NULL, "cpu_quota"), &cfg.cpu_quota.value, buf, sizeof(buf));
	assert_string_equal(buf, "0.250000");
	pj_config_format(pj_config_find(NULL, "pids"), &cfg.pids.value, buf, sizeof(buf));
	assert_string_equal(buf, "7");
	pj_config_format(pj_config_find(NULL, "max_output"), &cfg.output.max, buf, sizeof(buf));
	assert_string_equal(buf, "2G");
	pj_config_format(pj_config_find(NULL, "max_pids"), &cfg.pids.max, buf, sizeof(buf));
	assert_string_equal(buf, "unlimited");
	pj_config_free(&cfg);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/pj-test-config.XXXXXX";
	struct pj_config cfg;
	struct pj_err err = { 0 };
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[limits]\npids = 9\n[profile p]\npids = 8\n", 39), 39);
	close(fd);
	assert_int_equal(pj_config_init(&cfg, &err), 0);
	assert_int_equal(pj_config_load_file(&cfg, path, false, "p", &err), 0);
	assert_int_equal(cfg.pids.value, 8);
	pj_config_free(&cfg);
	unlink(path);
	/* a missing system file is fine; a missing --config file, or a profile from a
	 * missing file, is not */
	assert_int_equal(pj_config_init(&cfg, &err), 0);
	assert_int_equal(pj_config_load_file(&cfg, path, true, NULL, &err), 0);
	assert_true(pj_config_load_file(&cfg, path, false, NULL, &err) < 0);
	assert_err_has(&err, "cannot read config file");
	assert_err_has(&err, path);
	assert_true(pj_config_load_file(&cfg, path, true, "p", &err) < 0);
	assert_err_has(&err, "No such file");
	pj_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_file_overrides_defaults),
		cmocka_unit_test(test_profile_overrides_file),
		cmocka_unit_test(test_option_overrides_profile),
		cmocka_unit_test(test_missing_profile),
		cmocka_unit_test(test_unknown_key_and_section),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_bad_value_names_key),
		cmocka_unit_test(test_admin_only),
		cmocka_unit_test(test_ceilings),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_list_cap),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_load_file),
	};

	return PJ_RUN_TESTS(tests);
}
