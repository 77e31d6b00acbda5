/* fuzz-json.c: libFuzzer target for the record's string encoder.
 *
 * The program in the jail controls every byte of its output, and --json puts
 * them in the record.  For arbitrary bytes, pj_json_write_string() must give one
 * JSON string, valid UTF-8 with no raw control characters, that decodes (with
 * \udcXX read as the byte XX, as python's surrogateescape does) back to exactly
 * the input.  The decoder below is written independently of result.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "result.h"

/* Length of the strict UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	static const struct {
		unsigned char lo, hi;   /* first byte */
		unsigned char lo2, hi2; /* second byte */
		size_t n;
	} t[] = {
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 }, { 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 }, { 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 }, { 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 }, { 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (s[0] < t[i].lo || s[0] > t[i].hi)
			continue;
		if (avail < t[i].n || s[1] < t[i].lo2 || s[1] > t[i].hi2)
			return 0;
		for (size_t j = 2; j < t[i].n; j++)
			if (s[j] < 0x80 || s[j] > 0xbf)
				return 0;
		return t[i].n;
	}
	return 0;
}

static unsigned hex4(const unsigned char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i];
		CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/* Decode the JSON string in j[0..n) into out; returns the decoded length. */
static size_t decode(const unsigned char *j, size_t n, unsigned char *out)
{
	size_t o = 0, i = 1;

	CHECK(n >= 2 && j[0] == '"' && j[n - 1] == '"');
	while (i < n - 1) {
		if (j[i] == '\\') {
			static const char esc[] = "\"\\/bfnrt", val[] = "\"\\/\b\f\n\r\t";
			const char *e;
			CHECK(i + 1 < n - 1);
			if (j[i + 1] == 'u') {
				unsigned u;
				CHECK(i + 5 < n);
				u = hex4(j + i + 2);
				CHECK(u < 0x80 || (u >= 0xdc80 && u <= 0xdcff));
				out[o++] = (unsigned char)(u < 0x80 ? u : u - 0xdc00);
				i += 6;
				continue;
			}
			e = strchr(esc, j[i + 1]);
			CHECK(e != NULL && j[i + 1] != '\0');
			out[o++] = (unsigned char)val[e - esc];
			i += 2;
		} else {
			size_t k = j[i] < 0x80 ? 1 : utf8_seq(j + i, n - 1 - i);
			CHECK(k > 0); /* the record is valid UTF-8 */
			CHECK(j[i] >= 0x20 && j[i] != '"' && j[i] != 0x7f); /* nothing raw */
			memcpy(out + o, j + i, k);
			o += k;
			i += k;
		}
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = NULL;
	size_t len = 0;
	unsigned char *back;
	FILE *f;

	if (size > 1 << 16)
		return 0;
	f = open_memstream(&json, &len);
	if (!f)
		return 0;
	pj_json_write_string(f, (const char *)data, size);
	fclose(f);
	back = malloc(len + 1); /* decoding never grows */
	CHECK(back != NULL);
	CHECK(decode((const unsigned char *)json, len, back) == size);
	CHECK(size == 0 || memcmp(back, data, size) == 0);
	free(back);
	free(json);
	return 0;
}
