/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-response.h"

G_BEGIN_DECLS

#define DFUD_SMP_IMAGE_HASH_MAX 64u /* SHA-512 builds report 64 bytes, others 32 */
#define DFUD_SMP_IMAGE_VERSION_MAX 64u

/* one entry of "images" in an image state response (spec §4.1) */
typedef struct {
	guint32 image; /* 0 when the device omits it (single-image builds) */
	guint32 slot;  /* slot within the image, 0 or 1 */
	gchar *version;
	guint8 hash[DFUD_SMP_IMAGE_HASH_MAX];
	gsize hash_len; /* 32 or 64; 0 when absent (MCUboot serial recovery omits it) */
	gboolean bootable;
	gboolean pending;
	gboolean confirmed;
	gboolean active;
	gboolean permanent;
} DfudSmpImageSlot;

typedef struct {
	GPtrArray *slots; /* of DfudSmpImageSlot, in device order */
	gboolean has_split_status;
	gint64 split_status;
} DfudSmpImageState;

DfudSmpImageState *dfud_smp_response_parse_image_state(const DfudSmpResponse *resp, GError **error);
void dfud_smp_image_state_free(DfudSmpImageState *state);
const DfudSmpImageSlot *dfud_smp_image_state_find(const DfudSmpImageState *state, guint32 image,
						  guint32 slot);
const DfudSmpImageSlot *dfud_smp_image_state_find_active(const DfudSmpImageState *state,
							 guint32 image);
const DfudSmpImageSlot *dfud_smp_image_state_find_hash(const DfudSmpImageState *state,
						       const guint8 *hash, gsize hash_len);
DfudSmpImageState *dfud_smp_image_state_copy(const DfudSmpImageState *state);
/* the same slots (by image and slot) holding the same images with the same flags */
gboolean dfud_smp_image_state_equal(const DfudSmpImageState *a, const DfudSmpImageState *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpImageState, dfud_smp_image_state_free)

G_END_DECLS
