/* dump-keys.c: print src/config.c's key table, one key a line, for the docs checks
 * (tests/docs/consistency.sh): conf/pyjail.conf and pyjail.conf(5) must agree with it.
 *
 *   SECTION <TAB> KEY <TAB> TYPE <TAB> WHO <TAB> DEFAULT <TAB> HELP
 *
 * WHO is "admin" for keys only the system config file may set, else "any".
 * DEFAULT is the compiled-in value as text ("unlimited" for a ceiling, "" for none). */
#include <stdio.h>

#include "config.h"

static const char *type_name(enum pj_ktype t)
{
	static const char *const names[] = {
		[PJ_K_STR] = "string",
		[PJ_K_PATH] = "path",
		[PJ_K_ID] = "id",
		[PJ_K_BOOL] = "boolean",
		[PJ_K_SIZE] = "size",
		[PJ_K_COUNT] = "count",
		[PJ_K_DURATION] = "duration",
		[PJ_K_FRACTION] = "fraction",
		[PJ_K_ENV] = "env",
		[PJ_K_BIND] = "bind",
		[PJ_K_WORDS] = "words",
		[PJ_K_SECCOMP_ACTION] = "action",
		[PJ_K_CEILING] = "ceiling",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) && names[t] ? names[t] : "?";
}

int main(void)
{
	for (unsigned i = 0; i < pj_config_nkeys; i++) {
		const struct pj_key *k = &pj_config_keys[i];
		const char *deflt =
			k->type == PJ_K_CEILING && !k->deflt[0] ? "unlimited" : k->deflt;

		printf("%s\t%s\t%s\t%s\t%s\t%s\n", k->section, k->name,
		       type_name(k->type == PJ_K_CEILING ? k->ceiling_of : k->type),
		       k->allowed == PJ_FROM_FILE ? "admin" : "any", deflt, k->help);
	}
	return 0;
}
