/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "package/dfud-package.h"

/* shared by the package tests: fixtures, in-memory zips, assertions */

/* hashonly_1k_v1.2.3+4.bin: small, version 1.2.3+4, SHA256 only */
#define IMG_1K "hashonly_1k_v1.2.3+4.bin"
#define IMG_1K_SIZE 1576u

typedef struct {
	const gchar *name;
	GBytes *data;
	gboolean symlink;
} ZipItem;

GBytes *load_fixture(const gchar *name);
GBytes *make_zip(const ZipItem *items, guint n_items, gboolean deflate);
GBytes *str_bytes(const gchar *str);
GBytes *make_package(const gchar *manifest, const gchar *const *names);
gchar *manifest_one(const gchar *fields);
void assert_fails(GBytes *data, GQuark domain, gint code, const gchar *needle);
DfudPackage *assert_parses(GBytes *data);
DfudPackageEntry *entry_at(DfudPackage *package, guint idx);
void assert_entry_hash(DfudPackageEntry *entry, const gchar *want);
