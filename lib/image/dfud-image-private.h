/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* helpers shared by the lib/image sources; not part of the public API */

#include "dfud-image.h"

G_BEGIN_DECLS

static inline guint16
dfud_image_read_u16(const guint8 *p)
{
	return (guint16)(p[0] | (p[1] << 8));
}

static inline guint32
dfud_image_read_u32(const guint8 *p)
{
	return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

/*
 * Parses one TLV area at @start of @data (@size bytes): the info header with @magic, then TLVs
 * that must tile the area exactly, appended to @tlvs (DfudImageTlv). For the protected area the
 * total must equal @protect_tlv_size. Sets *end to the offset just past the area.
 */
gboolean dfud_image_tlv_parse_area(const guint8 *data, gsize size, gsize start, guint16 magic,
				   gboolean protected_area, guint16 protect_tlv_size, GArray *tlvs,
				   gsize *end, GError **error);
/* signature kind of a signature TLV type (ECDSA: P-384 with a SHA-384 hash, else P-256) */
DfudImageSignatureType dfud_image_tlv_signature_type(guint16 type, DfudImageHashType hash_type);
/* key exchange of an ENC_* TLV type, NONE for other types */
DfudImageEncryption dfud_image_tlv_encryption(guint16 type);
/* the first 8 bytes as hex, with "…" when there are more */
gchar *dfud_image_hex_prefix(const guint8 *data, gsize len);

G_END_DECLS
