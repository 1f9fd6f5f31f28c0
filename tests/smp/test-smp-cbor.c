/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"
#include "test-smp-util.h"

static gboolean
check_hex(const gchar *hex, GError **error)
{
	g_autoptr(GBytes) b = test_hex(hex);
	return dfud_smp_cbor_check(g_bytes_get_data(b, NULL), g_bytes_get_size(b), error);
}

static void
assert_check_fails(const gchar *hex, const gchar *message)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(check_hex(hex, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr(error->message, ==, message);
}

static void
test_check_valid(void)
{
	static const gchar *const valid[] = {
	    "a0",
	    "a1 61 64 62 68 69",
	    /* Zephyr/tinycbor style indefinite map {"rc": 0, "off": 0} */
	    "bf 62 72 63 00 63 6f 66 66 00 ff",
	    /* {"images": [_ {_ "slot": 0}]} indefinite inside definite */
	    "a1 66 69 6d 61 67 65 73 9f bf 64 73 6c 6f 74 00 ff ff",
	    /* [[1, 2, 3]] exactly fitting */
	    "81 83 01 02 03",
	    /* negative ints, floats, null, undefined, bools, bytes */
	    "86 20 3b ff ff ff ff ff ff ff ff f9 3c 00 f6 f7 f5",
	    "82 40 60",
	    "a1 60 60",
	    /* NUL is valid UTF-8; multi-byte characters */
	    "a1 63 61 00 62 65 c3 a9 e2 82 ac",
	};

	for (guint i = 0; i < G_N_ELEMENTS(valid); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_true(check_hex(valid[i], &error));
		g_assert_no_error(error);
	}
}

static void
test_check_huge_counts(void)
{
	/* 9 bytes asking libcbor for 2^64-1 array slots */
	assert_check_fails("9b ff ff ff ff ff ff ff ff",
			   "CBOR array at byte 0 declares 18446744073709551615 items but only 0 "
			   "bytes remain");
	assert_check_fails("9a ff ff ff ff 00",
			   "CBOR array at byte 0 declares 4294967295 items but only 1 bytes "
			   "remain");
	assert_check_fails("bb 7f ff ff ff ff ff ff ff 00",
			   "CBOR map at byte 0 declares 9223372036854775807 pairs but only 1 "
			   "bytes remain");
	assert_check_fails("bb ff ff ff ff ff ff ff ff 00 00",
			   "CBOR map at byte 0 declares 18446744073709551615 pairs but only 2 "
			   "bytes remain");
	/* a map of 2 pairs needs 4 elements, 3 bytes remain */
	assert_check_fails("a2 61 61 01", "CBOR map at byte 0 declares 2 pairs but only 3 bytes "
					  "remain");
	/* inner array fits the remaining bytes alone but not together with the outer array's
	 * second element */
	assert_check_fails("82 83 01 02 03", "CBOR array at byte 1 declares 3 items but only 3 "
					     "bytes remain");
	/* a byte string longer than the body */
	assert_check_fails("5b ff ff ff ff ff ff ff f8 00", "CBOR body truncated at byte 0");
}

static void
test_check_depth(void)
{
	GString *ok = g_string_new(NULL);
	GString *deep = g_string_new(NULL);
	GString *indef = g_string_new(NULL);
	g_autofree gchar *ok_hex = NULL;
	g_autofree gchar *deep_hex = NULL;
	g_autofree gchar *indef_hex = NULL;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < DFUD_SMP_CBOR_MAX_DEPTH; i++)
		g_string_append(ok, "81 ");
	g_string_append(ok, "01");
	for (guint i = 0; i < DFUD_SMP_CBOR_MAX_DEPTH + 1; i++)
		g_string_append(deep, "81 ");
	g_string_append(deep, "01");
	for (guint i = 0; i < 40; i++)
		g_string_append(indef, "9f ");
	for (guint i = 0; i < 40; i++)
		g_string_append(indef, "ff ");
	ok_hex = g_string_free(ok, FALSE);
	deep_hex = g_string_free(deep, FALSE);
	indef_hex = g_string_free(indef, FALSE);

	g_assert_true(check_hex(ok_hex, &error));
	g_assert_no_error(error);
	assert_check_fails(deep_hex, "CBOR nesting deeper than 16 at byte 16");
	assert_check_fails(indef_hex, "CBOR nesting deeper than 16 at byte 16");
}

static void
test_check_truncated(void)
{
	assert_check_fails("", "empty CBOR body");
	assert_check_fails("a1 61 64 62 68", "CBOR body truncated at byte 3");
	assert_check_fails("a1 61", "CBOR map at byte 0 declares 1 pairs but only 1 bytes remain");
	assert_check_fails("a1", "CBOR map at byte 0 declares 1 pairs but only 0 bytes remain");
	assert_check_fails("19 01", "CBOR body truncated at byte 0");
	assert_check_fails("bf 61 61 01", "CBOR body truncated: 1 containers still open at the "
					  "end");
	assert_check_fails("9f", "CBOR body truncated: indefinite array at byte 0 cannot be "
				 "closed");
}

static void
test_check_refused(void)
{
	assert_check_fails("a0 00", "1 trailing bytes after the CBOR item, from byte 1");
	assert_check_fails("01 02 03", "2 trailing bytes after the CBOR item, from byte 1");
	assert_check_fails("7f 61 61 ff",
			   "indefinite-length CBOR string at byte 0 is not accepted");
	assert_check_fails("a1 61 61 5f 41 00 ff",
			   "indefinite-length CBOR string at byte 3 is not accepted");
	assert_check_fails("c1 00", "CBOR tag at byte 0 is not accepted");
	assert_check_fails("ff", "CBOR break at byte 0 does not close an indefinite-length item");
	assert_check_fails("82 01 ff",
			   "CBOR break at byte 2 does not close an indefinite-length item");
	assert_check_fails("bf 61 61 ff", "CBOR map closed at byte 3 after a key without value");
	assert_check_fails("1c", "malformed CBOR at byte 0");
	assert_check_fails("a1 61 73 f0", "malformed CBOR at byte 3");
	assert_check_fails("a1 61 61 62 61 ff", "CBOR text string at byte 3 is not valid UTF-8");
	assert_check_fails("a1 62 c3 28 00", "CBOR text string at byte 1 is not valid UTF-8");
	assert_check_fails("63 61 00 ff", "CBOR text string at byte 0 is not valid UTF-8");
	assert_check_fails("a1 61 61 1e", "malformed CBOR at byte 3");
}

static void
test_load(void)
{
	g_autoptr(GBytes) b = test_hex("bf 62 72 63 00 63 6f 66 66 19 04 00 ff");
	g_autoptr(GBytes) bad = test_hex("9b ff ff ff ff ff ff ff ff");
	g_autoptr(cbor_item_t) item = NULL;
	g_autoptr(GError) error = NULL;
	guint64 off = 0;

	item = dfud_smp_cbor_load(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &error);
	g_assert_no_error(error);
	g_assert_nonnull(item);
	g_assert_true(cbor_isa_map(item));
	g_assert_true(dfud_smp_cbor_map_validate(item, &error));
	g_assert_true(dfud_smp_cbor_map_get_uint(item, "off", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT32,
						 &off, NULL, &error));
	g_assert_cmpuint(off, ==, 1024);

	g_assert_null(
	    dfud_smp_cbor_load(g_bytes_get_data(bad, NULL), g_bytes_get_size(bad), &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
}

/* {"u": 5, "big": 70000, "neg": -1, "t": "hello", "b": h'0102', "ok": true, "m": {},
 *  "a": [], "nul": "a\0b", "min": -2^63, "huge": -2^64} */
#define LOOKUP_MAP                                                                                 \
	"ab 61 75 05 63 62 69 67 1a 00 01 11 70 63 6e 65 67 20 61 74 65 68 65 6c 6c 6f"            \
	" 61 62 42 01 02 62 6f 6b f5 61 6d a0 61 61 80"                                            \
	" 63 6e 75 6c 63 61 00 62 63 6d 69 6e 3b 7f ff ff ff ff ff ff ff"                          \
	" 64 68 75 67 65 3b ff ff ff ff ff ff ff ff"

static cbor_item_t *
load_hex(const gchar *hex)
{
	g_autoptr(GBytes) b = test_hex(hex);
	g_autoptr(GError) error = NULL;
	cbor_item_t *item =
	    dfud_smp_cbor_load(g_bytes_get_data(b, NULL), g_bytes_get_size(b), &error);

	g_assert_no_error(error);
	g_assert_nonnull(item);
	return item;
}

static void
assert_protocol(GError **error, const gchar *message)
{
	g_assert_error(*error, DFUD_ERROR, DFUD_ERROR_PROTOCOL);
	g_assert_cmpstr((*error)->message, ==, message);
	g_clear_error(error);
}

static void
test_map_uint_int(void)
{
	g_autoptr(cbor_item_t) map = load_hex(LOOKUP_MAP);
	g_autoptr(GError) error = NULL;
	guint64 u = 999;
	gint64 i = 999;
	gboolean found = TRUE;

	g_assert_true(dfud_smp_cbor_map_validate(map, &error));
	g_assert_true(
	    dfud_smp_cbor_map_get_uint(map, "u", DFUD_SMP_CBOR_REQUIRED, 10, &u, &found, &error));
	g_assert_cmpuint(u, ==, 5);
	g_assert_true(found);
	g_assert_true(dfud_smp_cbor_map_get_uint(map, "big", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT32,
						 &u, NULL, &error));
	g_assert_cmpuint(u, ==, 70000);
	g_assert_false(dfud_smp_cbor_map_get_uint(map, "big", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT16,
						  &u, NULL, &error));
	assert_protocol(&error, "key \"big\": value 70000 is larger than 65535");
	g_assert_false(
	    dfud_smp_cbor_map_get_uint(map, "t", DFUD_SMP_CBOR_REQUIRED, 10, &u, NULL, &error));
	assert_protocol(&error, "key \"t\": expected unsigned integer, got text string");
	g_assert_false(
	    dfud_smp_cbor_map_get_uint(map, "neg", DFUD_SMP_CBOR_REQUIRED, 10, &u, NULL, &error));
	assert_protocol(&error, "key \"neg\": expected unsigned integer, got negative integer");
	g_assert_false(
	    dfud_smp_cbor_map_get_uint(map, "zz", DFUD_SMP_CBOR_REQUIRED, 10, &u, NULL, &error));
	assert_protocol(&error, "missing key \"zz\"");
	u = 77;
	g_assert_true(
	    dfud_smp_cbor_map_get_uint(map, "zz", DFUD_SMP_CBOR_OPTIONAL, 10, &u, &found, &error));
	g_assert_no_error(error);
	g_assert_false(found);
	g_assert_cmpuint(u, ==, 77);

	g_assert_true(dfud_smp_cbor_map_get_int(map, "neg", DFUD_SMP_CBOR_REQUIRED, -1, 10, &i,
						NULL, &error));
	g_assert_cmpint(i, ==, -1);
	g_assert_true(
	    dfud_smp_cbor_map_get_int(map, "u", DFUD_SMP_CBOR_REQUIRED, -1, 10, &i, NULL, &error));
	g_assert_cmpint(i, ==, 5);
	g_assert_false(
	    dfud_smp_cbor_map_get_int(map, "neg", DFUD_SMP_CBOR_REQUIRED, 0, 10, &i, NULL, &error));
	assert_protocol(&error, "key \"neg\": value -1 is smaller than 0");
	g_assert_false(
	    dfud_smp_cbor_map_get_int(map, "u", DFUD_SMP_CBOR_REQUIRED, -10, 4, &i, NULL, &error));
	assert_protocol(&error, "key \"u\": value 5 is larger than 4");
	g_assert_false(dfud_smp_cbor_map_get_int(map, "neg", DFUD_SMP_CBOR_REQUIRED, -10, -2, &i,
						 NULL, &error));
	assert_protocol(&error, "key \"neg\": value -1 is larger than -2");
	g_assert_true(dfud_smp_cbor_map_get_int(map, "min", DFUD_SMP_CBOR_REQUIRED, G_MININT64,
						G_MAXINT64, &i, NULL, &error));
	g_assert_cmpint(i, ==, G_MININT64);
	g_assert_false(dfud_smp_cbor_map_get_int(map, "min", DFUD_SMP_CBOR_REQUIRED, G_MININT32,
						 G_MAXINT32, &i, NULL, &error));
	assert_protocol(&error,
			"key \"min\": value -1-9223372036854775807 is smaller than -2147483648");
	g_assert_false(dfud_smp_cbor_map_get_int(map, "huge", DFUD_SMP_CBOR_REQUIRED, G_MININT64,
						 G_MAXINT64, &i, NULL, &error));
	assert_protocol(&error, "key \"huge\": value -1-18446744073709551615 is smaller than "
				"-9223372036854775808");
	g_assert_false(
	    dfud_smp_cbor_map_get_int(map, "b", DFUD_SMP_CBOR_REQUIRED, 0, 1, &i, NULL, &error));
	assert_protocol(&error, "key \"b\": expected integer, got byte string");
}

static void
test_map_text_bytes_bool(void)
{
	g_autoptr(cbor_item_t) map = load_hex(LOOKUP_MAP);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gboolean b = FALSE;
	const cbor_item_t *sub = NULL;

	g_assert_true(
	    dfud_smp_cbor_map_get_text(map, "t", DFUD_SMP_CBOR_REQUIRED, 5, &text, &error));
	g_assert_cmpstr(text, ==, "hello");
	g_clear_pointer(&text, g_free);
	g_assert_false(
	    dfud_smp_cbor_map_get_text(map, "t", DFUD_SMP_CBOR_REQUIRED, 4, &text, &error));
	assert_protocol(&error, "key \"t\": text of 5 bytes is longer than 4");
	g_assert_null(text);
	g_assert_false(
	    dfud_smp_cbor_map_get_text(map, "nul", DFUD_SMP_CBOR_REQUIRED, 64, &text, &error));
	assert_protocol(&error, "key \"nul\": text is not valid UTF-8 or contains a NUL byte");
	g_assert_false(
	    dfud_smp_cbor_map_get_text(map, "u", DFUD_SMP_CBOR_REQUIRED, 64, &text, &error));
	assert_protocol(&error, "key \"u\": expected text string, got unsigned integer");
	g_assert_true(
	    dfud_smp_cbor_map_get_text(map, "nope", DFUD_SMP_CBOR_OPTIONAL, 64, &text, &error));
	g_assert_null(text);

	g_assert_true(
	    dfud_smp_cbor_map_get_bytes(map, "b", DFUD_SMP_CBOR_REQUIRED, 2, &bytes, &error));
	test_assert_bytes_hex(bytes, "01 02");
	g_clear_pointer(&bytes, g_bytes_unref);
	g_assert_false(
	    dfud_smp_cbor_map_get_bytes(map, "b", DFUD_SMP_CBOR_REQUIRED, 1, &bytes, &error));
	assert_protocol(&error, "key \"b\": 2 bytes is longer than 1");
	g_assert_false(
	    dfud_smp_cbor_map_get_bytes(map, "t", DFUD_SMP_CBOR_REQUIRED, 10, &bytes, &error));
	assert_protocol(&error, "key \"t\": expected byte string, got text string");

	g_assert_true(
	    dfud_smp_cbor_map_get_bool(map, "ok", DFUD_SMP_CBOR_REQUIRED, &b, NULL, &error));
	g_assert_true(b);
	g_assert_false(
	    dfud_smp_cbor_map_get_bool(map, "u", DFUD_SMP_CBOR_REQUIRED, &b, NULL, &error));
	assert_protocol(&error, "key \"u\": expected bool, got unsigned integer");

	g_assert_true(dfud_smp_cbor_map_get_map(map, "m", DFUD_SMP_CBOR_REQUIRED, &sub, &error));
	g_assert_nonnull(sub);
	g_assert_true(dfud_smp_cbor_map_get_array(map, "a", DFUD_SMP_CBOR_REQUIRED, &sub, &error));
	g_assert_nonnull(sub);
	g_assert_false(dfud_smp_cbor_map_get_map(map, "a", DFUD_SMP_CBOR_REQUIRED, &sub, &error));
	assert_protocol(&error, "key \"a\": expected map, got array");
	g_assert_false(dfud_smp_cbor_map_get_array(map, "m", DFUD_SMP_CBOR_REQUIRED, &sub, &error));
	assert_protocol(&error, "key \"m\": expected array, got map");
	g_assert_false(
	    dfud_smp_cbor_map_get_array(map, "none", DFUD_SMP_CBOR_REQUIRED, &sub, &error));
	assert_protocol(&error, "missing key \"none\"");
}

/* libcbor 0.8 aborts in cbor_is_bool() on floats: every type test must survive them */
static void
test_map_floats(void)
{
	/* {"h": 1.0 (half), "f": 1.0 (single), "d": 1.0 (double), "n": null, "u": undefined}
	 * (libcbor 0.8 refuses unassigned simple values such as f0 while decoding) */
	g_autoptr(cbor_item_t) map =
	    load_hex("a5 61 68 f9 3c 00 61 66 fa 3f 80 00 00 61 64 fb 3f f0 "
		     "00 00 00 00 00 00 61 6e f6 61 75 f7");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gboolean b = FALSE;
	guint64 u = 0;

	g_assert_false(
	    dfud_smp_cbor_map_get_bool(map, "h", DFUD_SMP_CBOR_REQUIRED, &b, NULL, &error));
	assert_protocol(&error, "key \"h\": expected bool, got float");
	g_assert_false(
	    dfud_smp_cbor_map_get_bool(map, "f", DFUD_SMP_CBOR_REQUIRED, &b, NULL, &error));
	assert_protocol(&error, "key \"f\": expected bool, got float");
	g_assert_false(
	    dfud_smp_cbor_map_get_uint(map, "d", DFUD_SMP_CBOR_REQUIRED, 10, &u, NULL, &error));
	assert_protocol(&error, "key \"d\": expected unsigned integer, got float");
	g_assert_false(
	    dfud_smp_cbor_map_get_bool(map, "n", DFUD_SMP_CBOR_REQUIRED, &b, NULL, &error));
	assert_protocol(&error, "key \"n\": expected bool, got null");
	g_assert_false(
	    dfud_smp_cbor_map_get_text(map, "u", DFUD_SMP_CBOR_REQUIRED, 10, &text, &error));
	assert_protocol(&error, "key \"u\": expected text string, got undefined");
	g_assert_false(b);
}

static void
test_map_keys(void)
{
	g_autoptr(cbor_item_t) dup = load_hex("a3 61 61 01 61 62 02 61 61 03");
	g_autoptr(cbor_item_t) intkey = load_hex("a2 61 61 01 01 02");
	g_autoptr(cbor_item_t) nested_dup = load_hex("a1 61 6d a2 61 78 01 61 78 02");
	g_autoptr(cbor_item_t) array = load_hex("80");
	g_autoptr(GError) error = NULL;
	const cbor_item_t *value = NULL;
	guint64 u = 0;

	g_assert_false(dfud_smp_cbor_map_validate(dup, &error));
	assert_protocol(&error, "key \"a\" appears twice");
	g_assert_false(
	    dfud_smp_cbor_map_get_uint(dup, "a", DFUD_SMP_CBOR_REQUIRED, 10, &u, NULL, &error));
	assert_protocol(&error, "key \"a\" appears twice");
	g_assert_true(dfud_smp_cbor_map_find(dup, "b", &value, &error));
	g_assert_nonnull(value);

	g_assert_false(dfud_smp_cbor_map_validate(intkey, &error));
	assert_protocol(&error, "map key 1 is not a text string but a unsigned integer");

	g_assert_true(dfud_smp_cbor_map_validate(nested_dup, &error));
	g_assert_false(
	    dfud_smp_cbor_map_get_map(nested_dup, "m", DFUD_SMP_CBOR_REQUIRED, &value, &error));
	assert_protocol(&error, "key \"m\": key \"x\" appears twice");

	{
		g_autoptr(cbor_item_t) flt = load_hex("fb 3f f0 00 00 00 00 00 00");
		g_assert_false(dfud_smp_cbor_map_validate(flt, &error));
		assert_protocol(&error, "body: expected map, got float");
	}
	g_assert_false(dfud_smp_cbor_map_validate(array, &error));
	assert_protocol(&error, "body: expected map, got array");
	g_assert_false(dfud_smp_cbor_map_find(array, "x", &value, &error));
	assert_protocol(&error, "body: expected map, got array");
}

static GBytes *
writer_bytes(const DfudSmpCborWriter *w)
{
	g_assert_true(dfud_smp_cbor_writer_ok(w));
	return g_bytes_new(w->buf, w->pos);
}

static void
test_writer_ints(void)
{
	static const struct {
		guint64 v;
		const gchar *hex;
	} uints[] = {
	    {0, "00"},
	    {23, "17"},
	    {24, "18 18"},
	    {255, "18 ff"},
	    {256, "19 01 00"},
	    {65535, "19 ff ff"},
	    {65536, "1a 00 01 00 00"},
	    {G_MAXUINT32, "1a ff ff ff ff"},
	    {(guint64)G_MAXUINT32 + 1, "1b 00 00 00 01 00 00 00 00"},
	};
	static const struct {
		gint64 v;
		const gchar *hex;
	} ints[] = {
	    {-1, "20"},
	    {-24, "37"},
	    {-25, "38 18"},
	    {-256, "38 ff"},
	    {-257, "39 01 00"},
	    {G_MININT64, "3b 7f ff ff ff ff ff ff ff"},
	    {G_MAXINT64, "1b 7f ff ff ff ff ff ff ff"},
	};
	guint8 buf[16];

	for (guint i = 0; i < G_N_ELEMENTS(uints); i++) {
		DfudSmpCborWriter w;
		g_autoptr(GBytes) b = NULL;

		dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
		dfud_smp_cbor_writer_uint(&w, uints[i].v);
		b = writer_bytes(&w);
		test_assert_bytes_hex(b, uints[i].hex);
		g_assert_cmpuint(dfud_smp_cbor_head_size(uints[i].v), ==, g_bytes_get_size(b));
	}
	for (guint i = 0; i < G_N_ELEMENTS(ints); i++) {
		DfudSmpCborWriter w;
		g_autoptr(GBytes) b = NULL;

		dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
		dfud_smp_cbor_writer_int(&w, ints[i].v);
		b = writer_bytes(&w);
		test_assert_bytes_hex(b, ints[i].hex);
	}
}

static void
test_writer_items(void)
{
	guint8 buf[300];
	guint8 data[256];
	DfudSmpCborWriter w;
	g_autoptr(GBytes) b = NULL;
	g_autoptr(cbor_item_t) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	memset(data, 0xab, sizeof(data));
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, 4);
	dfud_smp_cbor_writer_key_text(&w, "t", "hi");
	dfud_smp_cbor_writer_key_bool(&w, "y", TRUE);
	dfud_smp_cbor_writer_key_bool(&w, "n", FALSE);
	dfud_smp_cbor_writer_text(&w, "a");
	dfud_smp_cbor_writer_indef_array(&w);
	dfud_smp_cbor_writer_null(&w);
	dfud_smp_cbor_writer_array(&w, 0);
	dfud_smp_cbor_writer_indef_map(&w);
	dfud_smp_cbor_writer_key_int(&w, "k", -2);
	dfud_smp_cbor_writer_break(&w);
	dfud_smp_cbor_writer_break(&w);
	b = writer_bytes(&w);
	test_assert_bytes_hex(b,
			      "a4 61 74 62 68 69 61 79 f5 61 6e f4 61 61 9f f6 80 bf 61 6b 21 ff "
			      "ff");

	/* byte string heads */
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_bytes(&w, data, 23);
	g_assert_cmpuint(w.pos, ==, 24);
	g_assert_cmpuint(buf[0], ==, 0x57);
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_bytes(&w, data, 24);
	g_assert_cmpuint(w.pos, ==, 26);
	g_assert_cmpuint(buf[0], ==, 0x58);
	g_assert_cmpuint(buf[1], ==, 24);
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_bytes(&w, data, 256);
	g_assert_cmpuint(w.pos, ==, 259);
	g_assert_cmpuint(buf[0], ==, 0x59);
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_text_len(&w, "abc", 2);
	g_clear_pointer(&b, g_bytes_unref);
	b = writer_bytes(&w);
	test_assert_bytes_hex(b, "62 61 62");

	/* round trip through the decoder */
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, 1);
	dfud_smp_cbor_writer_key_text(&w, "version", "1.2.3.4");
	back = dfud_smp_cbor_load(buf, w.pos, &error);
	g_assert_no_error(error);
	g_assert_true(
	    dfud_smp_cbor_map_get_text(back, "version", DFUD_SMP_CBOR_REQUIRED, 64, &text, &error));
	g_assert_cmpstr(text, ==, "1.2.3.4");
}

static void
test_writer_overflow(void)
{
	guint8 buf[4] = {0};
	DfudSmpCborWriter w;

	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, 1);
	dfud_smp_cbor_writer_text(&w, "abcd"); /* head fits, text does not */
	g_assert_false(dfud_smp_cbor_writer_ok(&w));
	g_assert_cmpuint(w.pos, ==, 1);
	dfud_smp_cbor_writer_uint(&w, 1); /* ignored after overflow */
	g_assert_cmpuint(w.pos, ==, 1);

	dfud_smp_cbor_writer_init(&w, buf, 2);
	dfud_smp_cbor_writer_uint(&w, 65535);
	g_assert_false(dfud_smp_cbor_writer_ok(&w));
	g_assert_cmpuint(w.pos, ==, 0);

	dfud_smp_cbor_writer_init(&w, NULL, 0);
	dfud_smp_cbor_writer_bool(&w, TRUE);
	g_assert_false(dfud_smp_cbor_writer_ok(&w));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/cbor/check/valid", test_check_valid);
	g_test_add_func("/smp/cbor/check/huge-counts", test_check_huge_counts);
	g_test_add_func("/smp/cbor/check/depth", test_check_depth);
	g_test_add_func("/smp/cbor/check/truncated", test_check_truncated);
	g_test_add_func("/smp/cbor/check/refused", test_check_refused);
	g_test_add_func("/smp/cbor/load", test_load);
	g_test_add_func("/smp/cbor/map/uint-int", test_map_uint_int);
	g_test_add_func("/smp/cbor/map/text-bytes-bool", test_map_text_bytes_bool);
	g_test_add_func("/smp/cbor/map/floats", test_map_floats);
	g_test_add_func("/smp/cbor/map/keys", test_map_keys);
	g_test_add_func("/smp/cbor/writer/ints", test_writer_ints);
	g_test_add_func("/smp/cbor/writer/items", test_writer_items);
	g_test_add_func("/smp/cbor/writer/overflow", test_writer_overflow);
	return g_test_run();
}
