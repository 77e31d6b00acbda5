/* parse.h: pure parsers for config and option values.  No locale, no I/O.
 * Each rejects empty input, negative values, overflow and trailing junk. */
#ifndef PJ_PARSE_H
#define PJ_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

/* "64M", "1G", "4096", "512k": bytes, binary multiples (K/M/G/T, optional "i", "B"). */
int pj_parse_size(const char *s, uint64_t *ret_bytes, struct pj_err *err);
/* "10", "1.5", "300ms", "2s", "1m", "1h": microseconds, at most PJ_DURATION_MAX_USEC. */
#define PJ_DURATION_MAX_USEC (UINT64_MAX / 1000 - 1)
int pj_parse_duration(const char *s, uint64_t *ret_usec, struct pj_err *err);
/* Unsigned decimal integer no greater than max. */
int pj_parse_uint(const char *s, uint64_t max, uint64_t *ret, struct pj_err *err);
/* "0.5", "2", "50%": a positive fraction of one CPU, in millionths. */
int pj_parse_fraction(const char *s, uint64_t *ret_millionths, struct pj_err *err);
/* yes/no, true/false, on/off, 1/0. */
int pj_parse_bool(const char *s, bool *ret, struct pj_err *err);

struct pj_bind {
	char *src;
	char *dst;
	bool rw;
};
/* "SRC:DST[:rw|:ro]" or "PATH" (same path inside); both absolute, no "..". */
int pj_parse_bind(const char *s, struct pj_bind *ret, struct pj_err *err);
/* "NAME=VALUE" with a valid variable name. */
int pj_parse_env(const char *s, struct pj_err *err);

/* Normalise an absolute path lexically (collapse "//" and "/./"); refuses "..".
 * out must have room for strlen(in)+1 bytes. */
int pj_path_normalize(const char *in, char *out, struct pj_err *err);

/* Format bytes as "64M"-style text (exact multiples only, else plain bytes). */
void pj_format_size(uint64_t bytes, char *buf, unsigned size);

#endif
