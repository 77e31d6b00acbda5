/* config.h: struct pj_config and the key table that fills it.
 *
 * Precedence: compiled-in defaults, then the system file (or --config), then one
 * [profile NAME] section of that file, then command-line options.  Every value is
 * set through pj_config_set(), which knows the key's type and validates it. */
#ifndef PJ_CONFIG_H
#define PJ_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "parse.h"

#define PJ_UNLIMITED UINT64_MAX

struct pj_strv {
	char **v;
	unsigned n;
};

enum pj_seccomp_action { PJ_SECCOMP_ERRNO, PJ_SECCOMP_KILL, PJ_SECCOMP_LOG };

/* A limit's value and the ceiling an admin may put on it. */
struct pj_limit {
	uint64_t value; /* bytes, µs, count or millionths of a CPU; PJ_UNLIMITED = none */
	uint64_t max;   /* ceiling, PJ_UNLIMITED if none */
};

struct pj_config {
	/* [jail] */
	char *rootfs;
	char *python;
	char *hostname;
	char *cwd;
	uint64_t uid, gid;           /* ids the program sees inside */
	uint64_t host_uid, host_gid; /* host ids when pyjail runs as root */
	struct pj_strv env;          /* NAME=VALUE added to the fixed environment */
	struct pj_strv binds;        /* SRC:DST[:rw] */
	bool landlock;
	/* [limits] */
	struct pj_limit memory, pids, cpu_time, cpu_quota, wall_time, output, file_size, tmp_size,
		open_files;
	bool require_cgroup;
	char *cgroup_parent; /* "" = below pyjail's own cgroup */
	bool reuse_cgroups;  /* cgroup v1: kept cgroups, reset per run (cgroup-v1.c) */
	/* [seccomp] */
	enum pj_seccomp_action seccomp_default;
	struct pj_strv seccomp_allow, seccomp_deny;
	/* [serve] */
	uint64_t serve_pool;            /* jails prepared ahead */
	uint64_t serve_workers;         /* requests running at once */
	uint64_t serve_queue;           /* requests waiting for a worker */
	uint64_t serve_request_timeout; /* µs to receive a whole request */
	uint64_t serve_max_request;     /* bytes of one request line */
};

/* Where a value may be set. */
enum pj_origin { PJ_FROM_FILE = 1, PJ_FROM_PROFILE = 2, PJ_FROM_CLI = 4 };

enum pj_ktype {
	PJ_K_STR,
	PJ_K_PATH,
	PJ_K_ID,
	PJ_K_BOOL,
	PJ_K_SIZE,
	PJ_K_COUNT,
	PJ_K_DURATION,
	PJ_K_FRACTION,
	PJ_K_ENV,
	PJ_K_BIND,
	PJ_K_WORDS,
	PJ_K_SECCOMP_ACTION,
	PJ_K_CEILING
};

struct pj_key {
	const char *section;
	const char *name;
	enum pj_ktype type;
	size_t offset;            /* into struct pj_config */
	unsigned allowed;         /* PJ_FROM_* mask */
	const char *deflt;        /* compiled-in default as text ("" = none), also documented */
	const char *help;         /* one line for pyjail.conf(5) and conf/pyjail.conf */
	enum pj_ktype ceiling_of; /* for PJ_K_CEILING: the limit type it bounds */
};

extern const struct pj_key pj_config_keys[];
extern const unsigned pj_config_nkeys;

/* Fill cfg with the compiled-in defaults (rootfs = the configured default). */
int pj_config_init(struct pj_config *cfg, struct pj_err *err);
void pj_config_free(struct pj_config *cfg);

const struct pj_key *pj_config_find(const char *section, const char *name);

/* Set one key from text.  `where` names the origin for messages. */
int pj_config_set(struct pj_config *cfg, const struct pj_key *key, const char *value,
		  enum pj_origin origin, struct pj_err *err);

/* Longest [profile NAME] name (inih truncates longer section names). */
#define PJ_PROFILE_NAME_MAX 32

/* Parse INI text (path is used in messages).  Reads the global sections and, if
 * profile is non-NULL, the section [profile NAME], which must exist. */
int pj_config_load_string(struct pj_config *cfg, const char *text, const char *path,
			  const char *profile, struct pj_err *err);
/* Same from a file.  A missing file is fine when optional is true. */
int pj_config_load_file(struct pj_config *cfg, const char *path, bool optional, const char *profile,
			struct pj_err *err);

/* After all sources: every limit within its ceiling, ids sane. */
int pj_config_validate(const struct pj_config *cfg, struct pj_err *err);

/* Text of a limit value for messages and the result record (e.g. "256M", "10s"). */
void pj_config_format(const struct pj_key *key, const void *value, char *buf, unsigned size);

#endif
