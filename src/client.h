/* client.h: `pyjail client`, the cold path's drop-in that runs through a server. */
#ifndef PJ_CLIENT_H
#define PJ_CLIENT_H

#include "cli.h"

/* Send the request for cli to cli->socket_path, relay signals, and turn the
 * reply into pyjail's output and exit status.  Returns the exit status. */
int pj_client_main(const struct pj_cli *cli);

#endif
