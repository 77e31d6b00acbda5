/* fuzz-config.c: libFuzzer target for the config loader.
 *
 * Arbitrary text goes through pj_config_load_string() and pj_config_validate(),
 * as a file given with --config would.  A first line "#!profile NAME" chooses a
 * profile (inih sees a comment).  Besides crashes, leaks and hangs (ASan, UBSan,
 * libFuzzer), it checks the contract: a refused file gets a one-line message
 * naming the file, and an accepted one respects every ceiling. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

/* "#!profile NAME\n" at the start: the profile to choose (at most 40 bytes). */
static const char *profile_of(const char *text, char *buf, size_t size)
{
	size_t n;

	if (strncmp(text, "#!profile ", 10) != 0)
		return NULL;
	n = strcspn(text + 10, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, text + 10, n);
	buf[n] = '\0';
	return buf;
}

static void check_accepted(const struct pj_config *cfg)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		const struct pj_limit *l;
		char buf[32];

		if (k->type == PJ_K_CEILING || strcmp(k->section, "limits") != 0 ||
		    k[1].type != PJ_K_CEILING)
			continue;
		l = (const struct pj_limit *)((const char *)cfg + k->offset);
		CHECK(l->value <= l->max);
		pj_config_format(k, &l->value, buf, sizeof(buf));
		CHECK(buf[0] != '\0');
	}
	CHECK(cfg->wall_time.value > 0 && cfg->cpu_time.value > 0 && cfg->tmp_size.value > 0);
	CHECK(cfg->host_uid != 0 && cfg->host_gid != 0);
	CHECK(cfg->memory.value >= (4 << 20));
	CHECK(cfg->pids.value >= 1 && cfg->open_files.value >= 16);
	CHECK(cfg->rootfs[0] == '/' && cfg->python[0] == '/' && cfg->cwd[0] == '/');
	CHECK(strstr(cfg->rootfs, "/../") == NULL && strstr(cfg->cwd, "//") == NULL);
	CHECK(cfg->env.n <= 256 && cfg->binds.n <= 256);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pj_config cfg;
	struct pj_err err = { 0 };
	char pbuf[41];
	const char *profile;
	char *text;
	int r;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	profile = profile_of(text, pbuf, sizeof(pbuf));
	CHECK(pj_config_init(&cfg, &err) == 0);
	r = pj_config_load_string(&cfg, text, "fuzz.conf", profile, &err);
	if (r >= 0)
		r = pj_config_validate(&cfg, &err);
	else /* load errors name the file: "fuzz.conf:LINE: ..." or "fuzz.conf: no such profile" */
		CHECK(strncmp(err.msg, "fuzz.conf", 9) == 0 ||
		      strncmp(err.msg, "invalid profile name", 20) == 0);
	if (r >= 0)
		check_accepted(&cfg);
	else
		CHECK(r < 0 && memchr(err.msg, '\0', sizeof(err.msg)) && !strchr(err.msg, '\n'));
	pj_config_free(&cfg);
	free(text);
	return 0;
}
