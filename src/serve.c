/* serve.c: `pyjail serve` (stub, being written). */
#include "serve.h"

#include <stdio.h>

int pj_serve_main(const struct pj_cli *cli, const struct pj_config *cfg)
{
	(void)cli;
	(void)cfg;
	fputs("pyjail: serve: not implemented yet\n", stderr);
	return PJ_EXIT_SETUP;
}
