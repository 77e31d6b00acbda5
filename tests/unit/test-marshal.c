/* test-marshal.c: pj_marshal_dump(), the server's messages to zygote.py.  The
 * expected bytes were checked once against python3's marshal.loads (which reads
 * them back as the JSON value they came from); here they are compared exactly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "marshal.h"
#include "unit.h"

static void dump_is(const char *text, const unsigned char *want, size_t want_len)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	char *got = NULL;
	size_t len = 0;

	assert_non_null(v);
	assert_int_equal(pj_marshal_dump(v, &got, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, want_len);
	free(got);
	json_decref(v);
}

/* Every JSON type; ints in and out of 32 bits, both signs; a NUL in a string. */
static void test_types(void **state)
{
	static const unsigned char want[] = {
		0x7b, 0x75, 0x01, 0x00, 0x00, 0x00, 0x61, 0x5b, 0x0a, 0x00, 0x00, 0x00, 0x69,
		0x01, 0x00, 0x00, 0x00, 0x69, 0xff, 0xff, 0xff, 0xff, 0x6c, 0x03, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x6c, 0xfd, 0xff, 0xff, 0xff, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x04, 0x6c, 0x05, 0x00, 0x00, 0x00, 0xff, 0x7f, 0xff,
		0x7f, 0xff, 0x7f, 0xff, 0x7f, 0x07, 0x00, 0x54, 0x46, 0x4e, 0x75, 0x04, 0x00,
		0x00, 0x00, 0xc3, 0xa9, 0x00, 0x78, 0x67, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xf8, 0x3f, 0x75, 0x01, 0x00, 0x00, 0x00, 0x62, 0x7b, 0x30, 0x30,
	};

	(void)state;
	dump_is("{\"a\":[1,-1,2147483648,-1099511627776,9223372036854775807,true,false,null,"
		"\"\\u00e9\\u0000x\",1.5],\"b\":{}}",
		want, sizeof(want));
}

static void test_scalars(void **state)
{
	static const unsigned char min32[] = { 0x69, 0x00, 0x00, 0x00, 0x80 };
	static const unsigned char empty[] = { 0x75, 0x00, 0x00, 0x00, 0x00 };

	(void)state;
	dump_is("-2147483648", min32, sizeof(min32));
	dump_is("\"\"", empty, sizeof(empty));
}

static void test_too_deep(void **state)
{
	char text[200] = "";
	json_t *v;
	char *got = (char *)1;
	size_t len;

	(void)state;
	for (int i = 0; i < 80; i++)
		strcat(text, "[");
	for (int i = 0; i < 80; i++)
		strcat(text, "]");
	v = json_loads(text, 0, NULL);
	assert_non_null(v);
	assert_int_equal(pj_marshal_dump(v, &got, &len), -ELOOP);
	assert_null(got);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_too_deep),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL);
}
