/* child.h: the inside of the jail: setup, the small init, and the payload. */
#ifndef PJ_CHILD_H
#define PJ_CHILD_H

#include "jail.h"

/* Entry point of the cloned child (PID 1 of the new PID namespace).  Never returns. */
__attribute__((noreturn)) void pj_child_main(const struct pj_launch *l);

#endif
