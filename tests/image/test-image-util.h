/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dfud-image.h"
#include "dfud-public-key.h"

G_BEGIN_DECLS

/* reads TEST_DATA_DIR/@name, failing the test if it cannot */
GBytes *test_image_load(const gchar *name);
/* the same bytes in a growable array, to break them in memory */
GByteArray *test_image_load_mutable(const gchar *name);
/* parses a fixture, failing the test on any error */
DfudImage *test_image_parse(const gchar *name);
DfudPublicKey *test_image_load_key(const gchar *name);
/* asserts @bytes equal the lower-case hex string @hex */
void test_assert_bytes_hex(GBytes *bytes, const gchar *hex);
void test_put_u16(GByteArray *array, gsize offset, guint16 value);
void test_put_u32(GByteArray *array, gsize offset, guint32 value);

G_END_DECLS
