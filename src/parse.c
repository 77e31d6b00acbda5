/* parse.c: value parsers shared by the config file and the command line.
 * Pure code: unit-tested in tests/unit/test-parse.c. */
#include "parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse leading decimal digits; ret_end points past them.  Rejects no digits and overflow. */
static int parse_digits(const char *s, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_end = p;
	return 0;
}

/* Parse "I[.F]" as a fixed-point number scaled by `scale` (at most 3.6e9).  Fraction
 * digits beyond the scale's resolution, or past the ninth, are dropped, so that
 * frac * scale stays below 2^64 without 128-bit arithmetic. */
static int parse_fixed(const char *s, uint64_t scale, uint64_t *ret, const char **ret_end)
{
	uint64_t ip, frac = 0, div = 1, part;
	const char *p;
	int r = parse_digits(s, &ip, &p);

	if (r < 0)
		return r;
	if (ip > UINT64_MAX / scale)
		return -ERANGE;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (div < scale && div < 1000000000) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				div *= 10;
			}
		}
	}
	/* frac / div of a unit; scale need not be a power of ten ("1.5m", "0.1h") */
	part = frac * scale / div;
	if (ip * scale > UINT64_MAX - part)
		return -ERANGE;
	*ret = ip * scale + part;
	*ret_end = p;
	return 0;
}

static int bad(struct pj_err *err, int r, const char *what, const char *s)
{
	if (r == -ERANGE)
		return pj_fail(err, 0, "%s '%s' is out of range", what, s);
	return pj_fail(err, 0, "invalid %s '%s'", what, s);
}

int pj_parse_size(const char *s, uint64_t *ret_bytes, struct pj_err *err)
{
	static const char units[] = "KMGT";
	uint64_t v, mult = 1;
	const char *p;
	int r = parse_digits(s, &v, &p);

	if (r < 0)
		return bad(err, r, "size", s);
	if (*p) {
		const char *u = strchr(units, *p >= 'a' ? *p - 32 : *p);
		if (!u)
			return bad(err, -EINVAL, "size (use K, M or G)", s);
		for (long i = 0; i <= u - units; i++)
			mult *= 1024;
		p++;
		if (*p == 'i')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
	}
	if (*p)
		return bad(err, -EINVAL, "size (use K, M or G)", s);
	if (v > UINT64_MAX / mult)
		return bad(err, -ERANGE, "size", s);
	*ret_bytes = v * mult;
	return 0;
}

int pj_parse_duration(const char *s, uint64_t *ret_usec, struct pj_err *err)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = { { "", 1000000 }, { "s", 1000000 },  { "ms", 1000 },
		      { "us", 1 },     { "m", 60000000 }, { "h", 3600000000ULL } };
	const char *suffix = s + strspn(s, "0123456789.");
	uint64_t v;
	const char *p;
	int r;

	/* Pick the unit first, so that range is judged in that unit ("20000000000000us"). */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(suffix, units[i].suffix) != 0)
			continue;
		r = parse_fixed(s, units[i].usec, &v, &p);
		if (r == 0 && p != suffix)
			r = -EINVAL;
		/* the supervisor's timers count nanoseconds: keep v * 1000 within 64 bits */
		if (r == 0 && v > PJ_DURATION_MAX_USEC)
			r = -ERANGE;
		if (r < 0)
			return bad(err, r,
				   r == -ERANGE ? "duration" : "duration (e.g. 10, 1.5s, 300ms)",
				   s);
		*ret_usec = v;
		return 0;
	}
	return bad(err, -EINVAL, "duration (e.g. 10, 1.5s, 300ms)", s);
}

int pj_parse_uint(const char *s, uint64_t max, uint64_t *ret, struct pj_err *err)
{
	uint64_t v;
	const char *p;
	int r = parse_digits(s, &v, &p);

	if (r < 0 || *p)
		return bad(err, r < 0 ? r : -EINVAL, "number", s);
	if (v > max)
		return pj_fail(err, 0, "number '%s' is out of range (at most %" PRIu64 ")", s, max);
	*ret = v;
	return 0;
}

int pj_parse_fraction(const char *s, uint64_t *ret_millionths, struct pj_err *err)
{
	uint64_t v;
	const char *p;
	int r = parse_fixed(s, 1000000, &v, &p);

	if (r < 0)
		return bad(err, r, "CPU fraction (e.g. 0.5 or 50%)", s);
	if (strcmp(p, "%") == 0) {
		v /= 100;
		p++;
	}
	if (*p || v == 0)
		return bad(err, -EINVAL, "CPU fraction (e.g. 0.5 or 50%)", s);
	if (v > 1024ULL * 1000000)
		return bad(err, -ERANGE, "CPU fraction", s);
	*ret_millionths = v;
	return 0;
}

int pj_parse_bool(const char *s, bool *ret, struct pj_err *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return pj_fail(err, 0, "invalid boolean '%s' (use yes or no)", s);
}

int pj_path_normalize(const char *in, char *out, struct pj_err *err)
{
	char *o = out;
	const char *p = in;

	if (in[0] != '/')
		return pj_fail(err, 0, "path '%s' is not absolute", in);
	while (*p) {
		size_t n;
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return pj_fail(err, 0, "path '%s' contains '..'", in);
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return 0;
}

static int bind_path(const char *s, size_t n, char **ret, struct pj_err *err)
{
	char *raw = strndup(s, n), *norm;
	int r;

	if (!raw)
		return pj_fail(err, ENOMEM, "bind");
	norm = malloc(n + 2);
	if (!norm) {
		free(raw);
		return pj_fail(err, ENOMEM, "bind");
	}
	r = pj_path_normalize(raw, norm, err);
	free(raw);
	if (r < 0) {
		free(norm);
		return r;
	}
	*ret = norm;
	return 0;
}

int pj_parse_bind(const char *s, struct pj_bind *ret, struct pj_err *err)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	struct pj_bind b = { 0 };
	int r;

	if (c2 && strcmp(c2 + 1, "rw") != 0 && strcmp(c2 + 1, "ro") != 0)
		return pj_fail(err, 0, "invalid bind '%s': mode must be rw or ro", s);
	r = bind_path(s, c1 ? (size_t)(c1 - s) : strlen(s), &b.src, err);
	if (r < 0)
		goto fail;
	r = bind_path(c1 ? c1 + 1 : s,
		      c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : strlen(s), &b.dst, err);
	if (r < 0)
		goto fail;
	b.rw = c2 && strcmp(c2 + 1, "rw") == 0;
	*ret = b;
	return 0;
fail:
	free(b.src);
	pj_fail_prefix(err, "bind '%s': ", s);
	return r;
}

int pj_parse_env(const char *s, struct pj_err *err)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s)
		return pj_fail(err, 0, "invalid environment entry '%s' (use NAME=VALUE)", s);
	for (const char *p = s; p < eq; p++) {
		int ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
			 (p > s && *p >= '0' && *p <= '9');
		if (!ok)
			return pj_fail(err, 0, "invalid environment variable name in '%s'", s);
	}
	return 0;
}

void pj_format_size(uint64_t bytes, char *buf, unsigned size)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (bytes && bytes % 1024 == 0 && u < 3) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, bytes);
	else
		snprintf(buf, size, "%" PRIu64 "%c", bytes, units[u]);
}
