/* config.c: the key table, defaults, INI loading (inih) and validation.
 *
 * Owns struct pj_config.  Pure apart from pj_config_load_file() opening a file:
 * tests drive everything else through pj_config_load_string().  One table maps
 * {section, key} to a type and an offset; conf/pyjail.conf and pyjail.conf(5) are
 * checked against it by tests/unit/test-config.c and tests/integration. */
#include "config.h"

#include <ini.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp.h"
#include "util.h"

#ifndef PYJAIL_ROOTFS
#define PYJAIL_ROOTFS "/var/lib/pyjail/rootfs"
#endif

#define OFF(f) offsetof(struct pj_config, f)
#define ANY (PJ_FROM_FILE | PJ_FROM_PROFILE | PJ_FROM_CLI)
#define ADMIN PJ_FROM_FILE
#define LIMIT(name, type, deflt, help)                                                             \
	{ "limits", #name, type, OFF(name.value), ANY, deflt, help, 0 },                           \
	{                                                                                          \
		"limits", "max_" #name, PJ_K_CEILING, OFF(name.max), ADMIN, "",                    \
			"ceiling for " #name "; profiles and options may not exceed it", type      \
	}

const struct pj_key pj_config_keys[] = {
	{ "jail", "rootfs", PJ_K_PATH, OFF(rootfs), ANY, PYJAIL_ROOTFS,
	  "the Python root filesystem (built by pyjail-mkrootfs)", 0 },
	{ "jail", "python", PJ_K_PATH, OFF(python), ANY, "/usr/bin/python3",
	  "the interpreter inside the rootfs", 0 },
	{ "jail", "hostname", PJ_K_STR, OFF(hostname), ANY, "pyjail", "hostname inside", 0 },
	{ "jail", "cwd", PJ_K_PATH, OFF(cwd), ANY, "/tmp", "working directory inside", 0 },
	{ "jail", "uid", PJ_K_ID, OFF(uid), ANY, "1000", "uid the program sees inside", 0 },
	{ "jail", "gid", PJ_K_ID, OFF(gid), ANY, "1000", "gid the program sees inside", 0 },
	{ "jail", "host_uid", PJ_K_ID, OFF(host_uid), ADMIN, "65534",
	  "host uid the program runs as when pyjail runs as root (never 0)", 0 },
	{ "jail", "host_gid", PJ_K_ID, OFF(host_gid), ADMIN, "65534",
	  "host gid the program runs as when pyjail runs as root (never 0)", 0 },
	{ "jail", "env", PJ_K_ENV, OFF(env), ANY, "",
	  "NAME=VALUE added to the environment; repeat the key for more", 0 },
	{ "jail", "bind", PJ_K_BIND, OFF(binds), ANY, "",
	  "SRC:DST[:rw] host path made visible inside, read-only unless :rw; repeatable", 0 },
	{ "jail", "landlock", PJ_K_BOOL, OFF(landlock), ANY, "yes",
	  "restrict the filesystem view with Landlock too, where the kernel has it", 0 },
	LIMIT(memory, PJ_K_SIZE, "256M", "memory of the whole jail, swap 0"),
	LIMIT(pids, PJ_K_COUNT, "64", "processes and threads in the jail"),
	LIMIT(cpu_time, PJ_K_DURATION, "10s", "CPU time of the whole jail"),
	LIMIT(cpu_quota, PJ_K_FRACTION, "1", "share of one CPU (0.5 = half a core)"),
	LIMIT(wall_time, PJ_K_DURATION, "30s", "wall-clock time"),
	LIMIT(output, PJ_K_SIZE, "16M", "stdout and stderr together"),
	LIMIT(file_size, PJ_K_SIZE, "64M", "largest file the program may write"),
	LIMIT(tmp_size, PJ_K_SIZE, "64M", "size of the /tmp tmpfs"),
	LIMIT(open_files, PJ_K_COUNT, "256", "open file descriptors per process"),
	{ "limits", "require_cgroup", PJ_K_BOOL, OFF(require_cgroup), ADMIN, "no",
	  "refuse to run when no cgroup can enforce the limits", 0 },
	{ "limits", "cgroup_parent", PJ_K_STR, OFF(cgroup_parent), ADMIN, "",
	  "parent cgroup for the jails (default: below pyjail's own cgroup)", 0 },
	{ "limits", "reuse_cgroups", PJ_K_BOOL, OFF(reuse_cgroups), ADMIN, "yes",
	  "cgroup v1: keep a run's cgroups for the next run instead of removing them", 0 },
	{ "seccomp", "default_action", PJ_K_SECCOMP_ACTION, OFF(seccomp_default), ANY, "errno",
	  "what a syscall outside the allow-list gets: errno, kill, or log (allow and report)", 0 },
	{ "seccomp", "allow", PJ_K_WORDS, OFF(seccomp_allow), ANY, "",
	  "extra syscalls or @groups to allow, space-separated; repeatable", 0 },
	{ "seccomp", "deny", PJ_K_WORDS, OFF(seccomp_deny), ANY, "",
	  "extra syscalls or @groups to deny, space-separated; repeatable", 0 },
	{ "serve", "pool", PJ_K_COUNT, OFF(serve_pool), ANY, "4",
	  "pyjail serve: jails prepared ahead, each with a forked interpreter waiting", 0 },
	{ "serve", "workers", PJ_K_COUNT, OFF(serve_workers), ANY, "16",
	  "pyjail serve: requests that run at once", 0 },
	{ "serve", "queue", PJ_K_COUNT, OFF(serve_queue), ANY, "256",
	  "pyjail serve: requests that may wait for a worker; more are refused", 0 },
	{ "serve", "request_timeout", PJ_K_DURATION, OFF(serve_request_timeout), ANY, "10s",
	  "pyjail serve: time a client has to send its whole request", 0 },
	{ "serve", "max_request", PJ_K_SIZE, OFF(serve_max_request), ANY, "16M",
	  "pyjail serve: largest request (program, script and stdin included)", 0 },
};
const unsigned pj_config_nkeys = ARRAY_SIZE(pj_config_keys);

const struct pj_key *pj_config_find(const char *section, const char *name)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		if ((!section || strcmp(k->section, section) == 0) && strcmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

static int strv_push(struct pj_strv *sv, const char *s, struct pj_err *err)
{
	char **nv;

	if (sv->n >= 256)
		return pj_fail(err, 0, "too many entries (at most 256)");
	nv = realloc(sv->v, (sv->n + 2) * sizeof(*nv));
	if (!nv)
		return pj_fail(err, ENOMEM, "config");
	sv->v = nv;
	sv->v[sv->n] = strdup(s);
	if (!sv->v[sv->n])
		return pj_fail(err, ENOMEM, "config");
	sv->v[++sv->n] = NULL;
	return 0;
}

static void strv_free(struct pj_strv *sv)
{
	for (unsigned i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static int set_str(char **field, const char *value, struct pj_err *err)
{
	char *s = strdup(value);

	if (!s)
		return pj_fail(err, ENOMEM, "config");
	free(*field);
	*field = s;
	return 0;
}

static int set_words(struct pj_strv *sv, const char *value, struct pj_err *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return pj_fail(err, ENOMEM, "config");
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		int r = strv_push(sv, w, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int set_limit_value(enum pj_ktype type, const char *v, uint64_t *out, struct pj_err *err)
{
	if (strcmp(v, "unlimited") == 0 || strcmp(v, "none") == 0) {
		*out = PJ_UNLIMITED;
		return 0;
	}
	switch (type) {
	case PJ_K_SIZE:
		return pj_parse_size(v, out, err);
	case PJ_K_DURATION:
		return pj_parse_duration(v, out, err);
	case PJ_K_FRACTION:
		return pj_parse_fraction(v, out, err);
	default:
		return pj_parse_uint(v, UINT32_MAX, out, err);
	}
}

static int set_typed(struct pj_config *cfg, const struct pj_key *key, const char *v,
		     struct pj_err *err)
{
	void *field = (char *)cfg + key->offset;
	struct pj_bind b;
	char norm[4096];
	int r;

	switch (key->type) {
	case PJ_K_STR:
		return set_str(field, v, err);
	case PJ_K_PATH:
		if (strlen(v) >= sizeof(norm))
			return pj_fail(err, 0, "path too long");
		r = pj_path_normalize(v, norm, err);
		return r < 0 ? r : set_str(field, norm, err);
	case PJ_K_ID:
		return pj_parse_uint(v, UINT32_MAX - 1, field, err);
	case PJ_K_BOOL:
		return pj_parse_bool(v, field, err);
	case PJ_K_ENV:
		r = pj_parse_env(v, err);
		return r < 0 ? r : strv_push(field, v, err);
	case PJ_K_BIND:
		r = pj_parse_bind(v, &b, err);
		if (r < 0)
			return r;
		free(b.src);
		free(b.dst);
		return strv_push(field, v, err);
	case PJ_K_WORDS:
		r = set_words(field, v, err);
		/* [seccomp] allow/deny: an unknown syscall is an error here, with its line */
		if (r >= 0 && strcmp(key->section, "seccomp") == 0)
			r = pj_seccomp_check_list(field, strcmp(key->name, "allow") == 0, err);
		return r;
	case PJ_K_SECCOMP_ACTION:
		if (strcmp(v, "errno") == 0)
			*(enum pj_seccomp_action *)field = PJ_SECCOMP_ERRNO;
		else if (strcmp(v, "kill") == 0)
			*(enum pj_seccomp_action *)field = PJ_SECCOMP_KILL;
		else if (strcmp(v, "log") == 0)
			*(enum pj_seccomp_action *)field = PJ_SECCOMP_LOG;
		else
			return pj_fail(err, 0, "invalid action '%s' (use errno, kill or log)", v);
		return 0;
	case PJ_K_CEILING:
		return set_limit_value(key->ceiling_of, v, field, err);
	default:
		return set_limit_value(key->type, v, field, err);
	}
}

int pj_config_set(struct pj_config *cfg, const struct pj_key *key, const char *value,
		  enum pj_origin origin, struct pj_err *err)
{
	/* The caller names the key or option in front of the message. */
	if (!(key->allowed & origin))
		return pj_fail(err, 0,
			       "may only be set in the system config file, not in a profile "
			       "or an option");
	return set_typed(cfg, key, value, err);
}

int pj_config_init(struct pj_config *cfg, struct pj_err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		int r;
		if (k->type == PJ_K_CEILING) {
			*(uint64_t *)((char *)cfg + k->offset) = PJ_UNLIMITED;
			continue;
		}
		if (!k->deflt[0] && k->type != PJ_K_STR)
			continue;
		r = set_typed(cfg, k, k->deflt, err);
		if (r < 0) {
			pj_fail_prefix(err, "built-in default of %s: ", k->name);
			return r;
		}
	}
	return 0;
}

void pj_config_free(struct pj_config *cfg)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		void *field = (char *)cfg + k->offset;
		if (k->type == PJ_K_STR || k->type == PJ_K_PATH) {
			free(*(char **)field);
			*(char **)field = NULL;
		} else if (k->type == PJ_K_ENV || k->type == PJ_K_BIND || k->type == PJ_K_WORDS) {
			strv_free(field);
		}
	}
}

/* inih state.  Pass 1 reads the global sections and checks every profile
 * section into a scratch config; pass 2 applies the chosen profile.  inih reads
 * the text through read_line(), so the handler knows which line it is on. */
struct load_ctx {
	struct pj_config *cfg;
	struct pj_config *scratch;
	const char *profile; /* NULL in pass 1 */
	struct pj_err *err;
	const char *next; /* text not yet handed to inih */
	int line;         /* lines handed to inih so far */
	int failed_line;  /* line of the first key refused, 0 if none */
	int long_line;    /* line too long for inih's buffer, 0 if none */
	int max_line;
};

/* A profile only checked, not chosen, keeps no lists: several profiles' entries
 * must not add up to the per-list cap in the one scratch config. */
static void scratch_trim(struct pj_config *s)
{
	strv_free(&s->env);
	strv_free(&s->binds);
	strv_free(&s->seccomp_allow);
	strv_free(&s->seccomp_deny);
}

static int handle_key(struct load_ctx *c, const char *section, const char *name, const char *value)
{
	bool in_profile = strncmp(section, "profile ", 8) == 0;
	const struct pj_key *key = pj_config_find(in_profile ? NULL : section, name);
	bool chosen = in_profile && c->profile && strcmp(section + 8, c->profile) == 0;
	int r;

	if (!key) {
		if (!in_profile && strcmp(section, "jail") && strcmp(section, "limits") &&
		    strcmp(section, "seccomp"))
			return pj_fail(c->err, 0, "unknown section [%s]", section);
		return pj_fail(c->err, 0, "unknown key '%s' in [%s]", name, section);
	}
	/* inih truncates long section names: a longer name could silently match nothing */
	if (in_profile && strlen(section + 8) > PJ_PROFILE_NAME_MAX)
		return pj_fail(c->err, 0, "profile name '%s' is too long (at most %d characters)",
			       section + 8, PJ_PROFILE_NAME_MAX);
	if (c->profile && !chosen)
		return 0; /* pass 2: globals applied and other profiles checked in pass 1 */
	r = pj_config_set(in_profile && !chosen ? c->scratch : c->cfg, key, value,
			  in_profile ? PJ_FROM_PROFILE : PJ_FROM_FILE, c->err);
	if (r < 0)
		pj_fail_prefix(c->err, "%s: ", name);
	if (in_profile && !chosen)
		scratch_trim(c->scratch);
	return r;
}

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;

	if (c->failed_line)
		return 0;
	if (handle_key(c, section, name, value) < 0) {
		c->failed_line = c->line;
		return 0;
	}
	return 1;
}

/* inih's reader: one line per call.  inih would cut a line longer than its buffer
 * and parse the tail as a line of its own (a truncated value, wrong line numbers),
 * so stop there instead and report it. */
static char *read_line(char *buf, int size, void *stream)
{
	struct load_ctx *c = stream;
	size_t n = strcspn(c->next, "\n");

	if (!*c->next || c->long_line)
		return NULL;
	c->line++;
	c->max_line = size - 1;
	if (n >= (size_t)size) {
		c->long_line = c->line;
		return NULL;
	}
	memcpy(buf, c->next, n);
	buf[n] = '\0';
	c->next += n + (c->next[n] == '\n');
	return buf;
}

/* One pass over the text: 0, or the first bad line with err filled. */
static int parse_pass(struct load_ctx *c, const char *text)
{
	int line;

	c->next = text;
	c->line = 0;
	line = ini_parse_stream(read_line, c, on_ini_line, c);
	if (line == 0 && c->long_line) {
		pj_fail(c->err, 0, "line is longer than %d bytes", c->max_line);
		return c->long_line;
	}
	/* inih returns the first bad line: a refused key, or a syntax error before it */
	if (line > 0 && line != c->failed_line)
		pj_fail(c->err, 0, "syntax error");
	return line;
}

static int has_profile(const char *text, const char *profile)
{
	char want[300];
	size_t n = (size_t)snprintf(want, sizeof(want), "[profile %s]", profile);

	for (const char *p = text; p; p = strchr(p, '\n')) {
		while (*p == '\n' || *p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, want, n) == 0)
			return 1;
	}
	return 0;
}

int pj_config_load_string(struct pj_config *cfg, const char *text, const char *path,
			  const char *profile, struct pj_err *err)
{
	struct pj_config scratch;
	struct load_ctx c = { .cfg = cfg, .scratch = &scratch, .err = err };
	int line;
	int r = pj_config_init(&scratch, err);

	if (r < 0)
		return r;
	if (profile && (!profile[0] || strlen(profile) > PJ_PROFILE_NAME_MAX)) {
		pj_config_free(&scratch);
		return pj_fail(err, 0, "invalid profile name '%s' (1 to %d characters)", profile,
			       PJ_PROFILE_NAME_MAX);
	}

	/* Two passes: global sections first, then the profile, so a profile
	 * overrides the file wherever the profile section appears in it. */
	line = parse_pass(&c, text);
	if (line == 0 && profile) {
		if (!has_profile(text, profile)) {
			pj_config_free(&scratch);
			return pj_fail(err, 0, "%s: no such profile [profile %s]", path, profile);
		}
		c.profile = profile;
		line = parse_pass(&c, text);
	}
	pj_config_free(&scratch);
	if (line == 0)
		return 0;
	pj_fail_prefix(err, "%s:%d: ", path, line);
	return -EINVAL;
}

int pj_config_load_file(struct pj_config *cfg, const char *path, bool optional, const char *profile,
			struct pj_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *mem;

	if (!f) {
		if (optional && errno == ENOENT && !profile)
			return 0;
		return pj_fail(err, errno, "cannot read config file '%s'", path);
	}
	mem = open_memstream(&text, &len);
	if (!mem)
		return pj_fail(err, errno, "config");
	for (int ch; (ch = getc(f)) != EOF;) {
		if (len > (1 << 20)) {
			fclose(mem);
			return pj_fail(err, 0, "config file '%s' is larger than 1 MiB", path);
		}
		putc(ch, mem);
	}
	if (fclose(mem) != 0)
		return pj_fail(err, ENOMEM, "config");
	return pj_config_load_string(cfg, text, path, profile, err);
}

void pj_config_format(const struct pj_key *key, const void *value, char *buf, unsigned size)
{
	uint64_t v = *(const uint64_t *)value;
	enum pj_ktype t = key->type == PJ_K_CEILING ? key->ceiling_of : key->type;

	if (v == PJ_UNLIMITED) {
		snprintf(buf, size, "unlimited");
		return;
	}
	switch (t) {
	case PJ_K_SIZE:
		pj_format_size(v, buf, size);
		break;
	case PJ_K_DURATION:
		if (v % 1000000 == 0)
			snprintf(buf, size, "%" PRIu64 "s", v / 1000000);
		else
			snprintf(buf, size, "%" PRIu64 "ms", v / 1000);
		break;
	case PJ_K_FRACTION:
		snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, v / 1000000, v % 1000000);
		break;
	default:
		snprintf(buf, size, "%" PRIu64, v);
	}
}

int pj_config_validate(const struct pj_config *cfg, struct pj_err *err)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		const struct pj_limit *l;
		char a[32], b[32];

		if (k->type == PJ_K_CEILING || strcmp(k->section, "limits") != 0 ||
		    k[1].type != PJ_K_CEILING)
			continue;
		l = (const struct pj_limit *)((const char *)cfg + k->offset);
		if (l->value <= l->max)
			continue;
		pj_config_format(k, &l->value, a, sizeof(a));
		pj_config_format(k, &l->max, b, sizeof(b));
		return pj_fail(err, 0,
			       "%s %s exceeds the ceiling max_%s = %s set by the administrator",
			       k->name, a, k->name, b);
	}
	/* 0 is not "unlimited" here: a zero timerfd never fires and a tmpfs of size 0
	 * has no limit, so 0 would slip past any ceiling. */
	if (cfg->wall_time.value == 0 || cfg->cpu_time.value == 0 || cfg->tmp_size.value == 0)
		return pj_fail(err, 0,
			       "wall_time, cpu_time and tmp_size must be greater than 0 "
			       "(use 'unlimited' for no limit)");
	if (cfg->host_uid == 0 || cfg->host_gid == 0)
		return pj_fail(err, 0, "host_uid and host_gid must not be 0");
	if (strlen(cfg->hostname) == 0 || strlen(cfg->hostname) > 64)
		return pj_fail(err, 0, "hostname '%s' must be 1 to 64 characters", cfg->hostname);
	if (cfg->memory.value != PJ_UNLIMITED && cfg->memory.value < (4 << 20))
		return pj_fail(err, 0, "memory must be at least 4M");
	if (cfg->pids.value == 0 || cfg->open_files.value < 16)
		return pj_fail(err, 0, "pids must be at least 1 and open_files at least 16");
	if (cfg->serve_workers == 0 || cfg->serve_workers > 1024 || cfg->serve_pool > 256 ||
	    cfg->serve_queue > 65536)
		return pj_fail(err, 0,
			       "workers must be 1 to 1024, pool at most 256, queue at most 65536");
	return 0;
}
