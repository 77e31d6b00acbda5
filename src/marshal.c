/* marshal.c: a JSON value in Python's marshal format, for zygote.py.
 *
 * The prepared interpreters read their messages with marshal.loads, which is
 * built into every python3: importing json would bring re, enum and their
 * friends into the zygote, whose every page each request's fork copies or
 * unmaps, and into every request's sys.modules.  Only the types a JSON value
 * has are written, without marshal's back-references (FLAG_REF): dict ('{'
 * pairs, '0'), list ('[' count, items), str ('u' UTF-8), int ('i' 32 bit, 'l'
 * 15-bit digits), float ('g'), True, False, None.  All counts and numbers are
 * little-endian. */
#include "marshal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void u32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	fwrite(b, 1, 4, f);
}

static void str(FILE *f, const char *s, size_t len)
{
	fputc('u', f);
	u32(f, (uint32_t)len);
	fwrite(s, 1, len, f);
}

static void integer(FILE *f, json_int_t v)
{
	unsigned long long mag;
	unsigned char digits[10][2];
	int n = 0;

	if (v >= INT32_MIN && v <= INT32_MAX) {
		fputc('i', f);
		u32(f, (uint32_t)(int32_t)v);
		return;
	}
	mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	for (; mag; mag >>= 15, n++) {
		digits[n][0] = mag & 0xff;
		digits[n][1] = (mag >> 8) & 0x7f;
	}
	fputc('l', f);
	u32(f, (uint32_t)(v < 0 ? -n : n));
	fwrite(digits, 2, (size_t)n, f);
}

static int value(FILE *f, const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;
	double d;
	uint64_t bits;

	if (depth > 64)
		return -ELOOP;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		fputc('{', f);
		json_object_foreach((json_t *)v, key, item)
		{
			str(f, key, strlen(key));
			if (value(f, item, depth + 1) < 0)
				return -ELOOP;
		}
		fputc('0', f);
		return 0;
	case JSON_ARRAY:
		fputc('[', f);
		u32(f, (uint32_t)json_array_size(v));
		json_array_foreach(v, i, item)
		{
			if (value(f, item, depth + 1) < 0)
				return -ELOOP;
		}
		return 0;
	case JSON_STRING:
		str(f, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		integer(f, json_integer_value(v));
		return 0;
	case JSON_REAL:
		d = json_real_value(v);
		memcpy(&bits, &d, sizeof(bits));
		fputc('g', f);
		u32(f, (uint32_t)bits);
		u32(f, (uint32_t)(bits >> 32));
		return 0;
	case JSON_TRUE:
		fputc('T', f);
		return 0;
	case JSON_FALSE:
		fputc('F', f);
		return 0;
	default:
		fputc('N', f);
		return 0;
	}
}

int pj_marshal_dump(const json_t *v, char **ret, size_t *len)
{
	FILE *f = open_memstream(ret, len);
	int r;

	if (!f)
		return -ENOMEM;
	r = value(f, v, 0);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0) {
		free(*ret);
		*ret = NULL;
	}
	return r;
}
