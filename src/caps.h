/* caps.h: leaving the jail's user namespace powerless. */
#ifndef PJ_CAPS_H
#define PJ_CAPS_H

#include <stdbool.h>

#include "err.h"

/* Clear the bounding and ambient sets and every capability set, lock the
 * securebits when the inside uid is 0, and set no_new_privs. */
int pj_caps_drop_all(bool inner_root, struct pj_err *err);

/* pyjail serve's zygote: keep every capability for the keeper (it builds jails),
 * but let the interpreter it executes inherit only what joining a prepared jail
 * needs (CAP_SYS_ADMIN, CAP_SYS_CHROOT for setns; CAP_SETPCAP to empty the
 * bounding set before a request runs), as ambient capabilities.  The bounding
 * set loses everything else; no_new_privs is set. */
int pj_caps_zygote(struct pj_err *err);

/* Empty the effective, permitted and inheritable sets (a process that never execs). */
int pj_caps_clear(struct pj_err *err);

#endif
