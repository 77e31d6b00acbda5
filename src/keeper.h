/* keeper.h: pyjail serve's zygote init (inside the zygote jail). */
#ifndef PJ_KEEPER_H
#define PJ_KEEPER_H

#include <sys/types.h>

#include "jail.h"

/* A prepared jail's PJ_MSG_GO carries its pid, mnt, net, ipc and uts namespaces. */
#define PJ_PREPARED_NS 5

/* Serve PJ_MSG_PREPARE on l->sync_fd until the server or the interpreter
 * (pid zygote) is gone.  Never returns. */
__attribute__((noreturn)) void pj_keeper_main(const struct pj_launch *l, pid_t zygote);

#endif
