/* check.h: host probes for `pyjail check`. */
#ifndef PJ_CHECK_H
#define PJ_CHECK_H

#include <stdio.h>

#include "config.h"

/* Print one line per fact (ok / missing / how to fix); 0 if pyjail can run here. */
int pj_check_run(const struct pj_config *cfg, FILE *out);

#endif
