/* serve.h: `pyjail serve`, a warm pool that runs every request in a fresh jail. */
#ifndef PJ_SERVE_H
#define PJ_SERVE_H

#include "cli.h"
#include "config.h"

/* Listen on cli->socket_path until SIGTERM/SIGINT; returns pyjail's exit status. */
int pj_serve_main(const struct pj_cli *cli, const struct pj_config *cfg);

#endif
