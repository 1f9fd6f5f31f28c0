/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include "test-image-util.h"

GBytes *
test_image_load(const gchar *name)
{
	g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	gsize len = 0;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

GByteArray *
test_image_load_mutable(const gchar *name)
{
	g_autoptr(GBytes) blob = test_image_load(name);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(blob, &len);
	GByteArray *array = g_byte_array_sized_new((guint)len);

	g_byte_array_append(array, data, (guint)len);
	return array;
}

DfudImage *
test_image_parse(const gchar *name)
{
	g_autoptr(GBytes) blob = test_image_load(name);
	g_autoptr(GError) error = NULL;
	DfudImage *image = dfud_image_new_from_bytes(blob, &error);

	g_assert_no_error(error);
	g_assert_nonnull(image);
	return image;
}

DfudPublicKey *
test_image_load_key(const gchar *name)
{
	g_autoptr(GBytes) pem = test_image_load(name);
	g_autoptr(GError) error = NULL;
	DfudPublicKey *key = dfud_public_key_new_from_pem(pem, &error);

	g_assert_no_error(error);
	g_assert_nonnull(key);
	return key;
}

void
test_assert_bytes_hex(GBytes *bytes, const gchar *hex)
{
	gsize len = 0;
	const guint8 *data;
	g_autoptr(GString) str = g_string_new(NULL);

	g_assert_nonnull(bytes);
	data = g_bytes_get_data(bytes, &len);
	for (gsize i = 0; i < len; i++)
		g_string_append_printf(str, "%02x", data[i]);
	g_assert_cmpstr(str->str, ==, hex);
}

void
test_put_u16(GByteArray *array, gsize offset, guint16 value)
{
	g_assert_cmpuint(offset + 2, <=, array->len);
	array->data[offset] = value & 0xff;
	array->data[offset + 1] = value >> 8;
}

void
test_put_u32(GByteArray *array, gsize offset, guint32 value)
{
	g_assert_cmpuint(offset + 4, <=, array->len);
	for (guint i = 0; i < 4; i++)
		array->data[offset + i] = (value >> (8 * i)) & 0xff;
}
