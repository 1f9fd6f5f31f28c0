/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* bounds on what a manifest.json may hold */
#define DFUD_MANIFEST_MAX_SIZE (1024u * 1024u)
#define DFUD_MANIFEST_MAX_FILES 64u
#define DFUD_MANIFEST_MAX_DEPTH 32u

typedef enum {
	DFUD_MANIFEST_FILE_TYPE_APPLICATION, /* "application" */
	DFUD_MANIFEST_FILE_TYPE_MCUBOOT,     /* "mcuboot": upgradable MCUboot behind NSIB */
} DfudManifestFileType;

/* one element of `files`; strings are NULL when the key is absent */
typedef struct {
	gchar *file; /* entry name in the zip, always set */
	guint64 size;
	DfudManifestFileType type;
	gchar *board;
	gchar *soc;
	gchar *version;		    /* `version` (NSIB version of a network-core entry) */
	gchar *version_mcuboot;	    /* `version_MCUBOOT` */
	gchar *version_mcuboot_xip; /* `version_MCUBOOT+XIP` */
	gchar *version_b0;	    /* `version_B0` */
	gboolean has_load_address;
	guint64 load_address;
	gboolean has_image_index;
	guint image_index; /* 0 when absent, as Nordic's clients assume */
	gboolean has_slot;
	guint slot;
} DfudManifestFile;

typedef struct {
	gint format_version; /* 0 or 1 */
	gchar *name;	     /* `name`, or NULL */
	GPtrArray *files;    /* element-type DfudManifestFile, in manifest order, never empty */
} DfudManifest;

/*
 * Parses manifest.json as generate_zip.py writes it. Fails with DFUD_ERROR_PACKAGE_INVALID
 * when @data is not a JSON object, is larger than DFUD_MANIFEST_MAX_SIZE, nests deeper than
 * DFUD_MANIFEST_MAX_DEPTH, has another `format-version` than 0 or 1, has no or more than
 * DFUD_MANIFEST_MAX_FILES `files`, a file without `file` or `size`, a `type` other than
 * "application" or "mcuboot", the same `file` twice, or a field of the wrong type. Numeric
 * fields are accepted as JSON integers (a bare 0x literal too: such files exist), decimal
 * strings or "0x" strings; numbers with leading zeros or beyond gint64, and anything after
 * the top-level object, are refused; unknown keys are ignored.
 */
DfudManifest *
dfud_manifest_new_from_data(const gchar *data, gsize len, GError **error);
void
dfud_manifest_free(DfudManifest *self);

/* TRUE for a plain file name: non-empty, no path separator, not "." or "..", no control chars */
gboolean
dfud_manifest_file_name_is_valid(const gchar *name);

const gchar *
dfud_manifest_file_type_to_string(DfudManifestFileType type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudManifest, dfud_manifest_free)

G_END_DECLS
