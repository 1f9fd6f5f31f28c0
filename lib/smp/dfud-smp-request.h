/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-header.h"

G_BEGIN_DECLS

/* bootloader info queries (spec §3.5) */
#define DFUD_SMP_BOOTLOADER_QUERY_MODE "mode"
#define DFUD_SMP_BOOTLOADER_QUERY_ACTIVE_B0_SLOT "active_b0_slot"

/* longest sha a server stores for an upload session (spec §4.3) */
#define DFUD_SMP_UPLOAD_SHA_MAX 32u

/*
 * One image upload request (spec §4.3). `len` is the total image size and must always be set:
 * it bounds the chunk (off + data_len <= len) and is sent, together with image (when non-zero),
 * sha (when sha_len > 0) and upgrade (when TRUE), only on the first chunk (off == 0).
 * Later chunks carry off and data only.
 */
typedef struct {
	guint64 off;
	const guint8 *data;
	gsize data_len;
	guint64 len;
	guint32 image;
	const guint8 *sha;
	gsize sha_len;
	gboolean upgrade;
} DfudSmpUploadChunk;

GBytes *dfud_smp_request_echo(DfudSmpVersion version, guint8 seq, const gchar *text,
			      GError **error);
GBytes *dfud_smp_request_reset(DfudSmpVersion version, guint8 seq, gboolean force, gint boot_mode,
			       GError **error);
GBytes *dfud_smp_request_params(DfudSmpVersion version, guint8 seq);
GBytes *dfud_smp_request_os_info(DfudSmpVersion version, guint8 seq, const gchar *format,
				 GError **error);
GBytes *dfud_smp_request_bootloader_info(DfudSmpVersion version, guint8 seq, const gchar *query,
					 GError **error);
GBytes *dfud_smp_request_image_state_read(DfudSmpVersion version, guint8 seq);
GBytes *dfud_smp_request_image_state_write(DfudSmpVersion version, guint8 seq, const guint8 *hash,
					   gsize hash_len, gboolean confirm, GError **error);
GBytes *dfud_smp_request_image_upload(DfudSmpVersion version, guint8 seq,
				      const DfudSmpUploadChunk *chunk, GError **error);
gsize dfud_smp_request_image_upload_into(DfudSmpVersion version, guint8 seq,
					 const DfudSmpUploadChunk *chunk, guint8 *buf,
					 gsize buf_size, GError **error);
GBytes *dfud_smp_request_image_erase(DfudSmpVersion version, guint8 seq, gint slot);
GBytes *dfud_smp_request_image_slot_info(DfudSmpVersion version, guint8 seq);

G_END_DECLS
