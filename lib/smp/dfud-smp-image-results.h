/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-response.h"

G_BEGIN_DECLS

/* image upload answer (spec §4.3) */
typedef struct {
	guint64 off;	    /* the offset the device expects next */
	gboolean has_match; /* "match" present (only on the completing chunk) */
	gboolean match;
} DfudSmpUploadResult;

/* one slot in a slot info answer (spec §4.5): "size" or, if the slot cannot be opened, "rc" */
typedef struct {
	guint32 slot;
	gboolean has_size;
	guint64 size;
	gboolean has_rc;
	gint64 rc;
	gboolean has_upload_image_id;
	guint32 upload_image_id;
} DfudSmpSlotInfoSlot;

typedef struct {
	guint32 image;
	GArray *slots; /* of DfudSmpSlotInfoSlot */
	gboolean has_max_image_size;
	guint64 max_image_size;
} DfudSmpSlotInfoImage;

typedef struct {
	GPtrArray *images; /* of DfudSmpSlotInfoImage */
} DfudSmpSlotInfo;

gboolean dfud_smp_response_parse_image_upload(const DfudSmpResponse *resp,
					      DfudSmpUploadResult *result, GError **error);
gboolean dfud_smp_response_parse_image_erase(const DfudSmpResponse *resp, GError **error);
DfudSmpSlotInfo *dfud_smp_response_parse_slot_info(const DfudSmpResponse *resp, GError **error);
void dfud_smp_slot_info_free(DfudSmpSlotInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpSlotInfo, dfud_smp_slot_info_free)

G_END_DECLS
