/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "test-image-stamp.h"

static void
put_le32(guint8 *p, guint32 v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8 & 0xff;
	p[2] = v >> 16 & 0xff;
	p[3] = v >> 24;
}

GBytes *
test_image_restamp(GBytes *file, const gchar *version, guint32 flags, guint32 load_addr,
		   gchar **hash_hex)
{
	gsize len = g_bytes_get_size(file);
	guint8 *b = g_memdup2(g_bytes_get_data(file, NULL), len);
	guint maj = 0, min = 0, rev = 0, build = 0;
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize hashed, digest_len = 32;

	g_assert_cmpint(sscanf(version, "%u.%u.%u+%u", &maj, &min, &rev, &build), ==, 4);
	g_assert_cmpuint(len, >=, 32);
	put_le32(b + 4, load_addr);
	put_le32(b + 16, flags);
	b[20] = (guint8)maj;
	b[21] = (guint8)min;
	b[22] = rev & 0xff;
	b[23] = rev >> 8 & 0xff;
	put_le32(b + 24, build);
	/* the hash covers header and body; the TLV area follows them (no protected TLVs) */
	g_assert_cmpuint(b[10] | b[11] << 8, ==, 0);
	hashed = (gsize)(b[8] | b[9] << 8) + (b[12] | b[13] << 8 | b[14] << 16 | (gsize)b[15] << 24);
	g_assert_cmpuint(hashed + 8 + 32, <=, len);
	g_assert_cmpuint(b[hashed + 4] | b[hashed + 5] << 8, ==, 0x10);
	g_checksum_update(sum, b, hashed);
	g_checksum_get_digest(sum, b + hashed + 8, &digest_len);
	if (hash_hex != NULL)
		*hash_hex = g_strdup(g_checksum_get_string(sum));
	return g_bytes_new_take(b, len);
}

gchar *
test_image_restamp_file(const gchar *name, const gchar *dir, const gchar *version, guint32 flags,
			guint32 load_addr, gchar **hash_hex)
{
	g_autofree gchar *src = g_build_filename(TEST_DATA_DIR, name, NULL);
	g_autofree gchar *contents = NULL;
	g_autofree gchar *base = g_strdup_printf("restamped-%s-%x-%x-%s", version, flags, load_addr,
						 name);
	gchar *path = g_build_filename(dir, base, NULL);
	gsize len = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) file = NULL;
	g_autoptr(GBytes) out = NULL;

	g_file_get_contents(src, &contents, &len, &error);
	g_assert_no_error(error);
	file = g_bytes_new_take(g_steal_pointer(&contents), len);
	out = test_image_restamp(file, version, flags, load_addr, hash_hex);
	g_file_set_contents(path, g_bytes_get_data(out, NULL), (gssize)g_bytes_get_size(out),
			    &error);
	g_assert_no_error(error);
	return path;
}
