/* client.c: `pyjail client` (stub, being written). */
#include "client.h"

#include <stdio.h>

#include "err.h"

int pj_client_main(const struct pj_cli *cli)
{
	(void)cli;
	fputs("pyjail: client: not implemented yet\n", stderr);
	return PJ_EXIT_SETUP;
}
