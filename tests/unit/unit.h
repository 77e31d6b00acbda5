/* unit.h: what every cmocka unit test includes.
 *
 * Each test program runs one group and prints TAP (automake's tap-driver shows
 * each test).  cmocka 1.1's TAP mode prints skips as "not ok", so tests never
 * skip: a missing prerequisite is a failure with a reason. */
#ifndef PJ_UNIT_H
#define PJ_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define PJ_RUN_TESTS(tests)                                                                        \
	({                                                                                         \
		cmocka_set_message_output(CM_OUTPUT_TAP);                                          \
		cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL);                          \
	})

/* The error text must contain `needle`. */
#define assert_err_has(err, needle)                                                                \
	do {                                                                                       \
		if (!strstr((err)->msg, (needle)))                                                 \
			fail_msg("error '%s' lacks '%s'", (err)->msg, (needle));                   \
	} while (0)

#endif
