/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A copy of the hash-only MCUboot image @file (no protected TLVs, the SHA-256 TLV first) with
 * another header version ("1.2.3+4"), flags and load address, its SHA-256 TLV recomputed as
 * imgtool would write it; @hash_hex (optional): that hash in hex. For tests that need an image
 * imgtool was not run for (a RAM_LOAD build of another version, an equal version with another
 * build number).
 */
GBytes *test_image_restamp(GBytes *file, const gchar *version, guint32 flags, guint32 load_addr,
			   gchar **hash_hex);

/* the same written to a new file in @dir; returns its path */
gchar *test_image_restamp_file(const gchar *name, const gchar *dir, const gchar *version,
			       guint32 flags, guint32 load_addr, gchar **hash_hex);

G_END_DECLS
