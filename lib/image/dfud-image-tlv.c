/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudImage"

#include "config.h"

#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfud-image-private.h"

/*
 * Parses one TLV area at @start: info header with @magic, then TLVs that must tile the area
 * exactly. Returns the offset just past the area in *end.
 */
gboolean
dfud_image_tlv_parse_area(const guint8 *data, gsize size, gsize start, guint16 magic,
			  gboolean protected_area, guint16 protect_tlv_size, GArray *tlvs,
			  gsize *end, GError **error)
{
	const gchar *what = protected_area ? "protected TLV info" : "TLV info";
	guint16 read_magic;
	guint16 total;
	gsize off;
	gsize area_end;

	if (start > size || size - start < DFUD_IMAGE_TLV_INFO_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "no %s (0x%04x) at 0x%" G_GSIZE_MODIFIER
			    "x: the file ends at 0x%" G_GSIZE_MODIFIER "x",
			    what, magic, start, size);
		return FALSE;
	}
	read_magic = dfud_image_read_u16(data + start);
	total = dfud_image_read_u16(data + start + 2);
	if (read_magic != magic) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "bad %s magic 0x%04x at 0x%" G_GSIZE_MODIFIER "x (want 0x%04x)", what,
			    read_magic, start, magic);
		return FALSE;
	}
	if (total < DFUD_IMAGE_TLV_INFO_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "%s at 0x%" G_GSIZE_MODIFIER "x has total length %u, less than its "
			    "own size",
			    what, start, total);
		return FALSE;
	}
	if (protected_area && total != protect_tlv_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "protected TLV area at 0x%" G_GSIZE_MODIFIER
			    "x is 0x%x bytes but the header says protect_tlv_size 0x%x",
			    start, total, protect_tlv_size);
		return FALSE;
	}
	if (size - start < total) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "TLV area at 0x%" G_GSIZE_MODIFIER "x (0x%x bytes) runs past the end "
			    "of the file (0x%" G_GSIZE_MODIFIER "x)",
			    start, total, size);
		return FALSE;
	}
	area_end = start + total;
	off = start + DFUD_IMAGE_TLV_INFO_SIZE;
	while (off < area_end) {
		DfudImageTlv tlv = {0};

		if (area_end - off < 4) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
				    "%" G_GSIZE_FORMAT " stray bytes at 0x%" G_GSIZE_MODIFIER
				    "x at the end of the TLV area",
				    area_end - off, off);
			return FALSE;
		}
		tlv.type = dfud_image_read_u16(data + off);
		tlv.len = dfud_image_read_u16(data + off + 2);
		tlv.offset = off + 4;
		tlv.protected_area = protected_area;
		if (tlv.len > area_end - tlv.offset) {
			g_set_error(
			    error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "TLV 0x%02x at 0x%" G_GSIZE_MODIFIER
			    "x (length %u) runs past the end of its area at 0x%" G_GSIZE_MODIFIER
			    "x",
			    tlv.type, off, tlv.len, area_end);
			return FALSE;
		}
		g_array_append_val(tlvs, tlv);
		off = tlv.offset + tlv.len;
	}
	*end = area_end;
	return TRUE;
}

DfudImageSignatureType
dfud_image_tlv_signature_type(guint16 type, DfudImageHashType hash_type)
{
	switch (type) {
	case DFUD_IMAGE_TLV_RSA2048_PSS:
		return DFUD_IMAGE_SIGNATURE_RSA2048_PSS;
	case DFUD_IMAGE_TLV_ECDSA_SIG:
		return hash_type == DFUD_IMAGE_HASH_SHA384 ? DFUD_IMAGE_SIGNATURE_ECDSA_P384
							   : DFUD_IMAGE_SIGNATURE_ECDSA_P256;
	case DFUD_IMAGE_TLV_RSA3072_PSS:
		return DFUD_IMAGE_SIGNATURE_RSA3072_PSS;
	case DFUD_IMAGE_TLV_ED25519:
		return DFUD_IMAGE_SIGNATURE_ED25519;
	case DFUD_IMAGE_TLV_ECDSA224:
		return DFUD_IMAGE_SIGNATURE_UNSUPPORTED;
	default:
		return DFUD_IMAGE_SIGNATURE_NONE;
	}
}

DfudImageEncryption
dfud_image_tlv_encryption(guint16 type)
{
	switch (type) {
	case DFUD_IMAGE_TLV_ENC_RSA2048:
		return DFUD_IMAGE_ENCRYPTION_RSA2048;
	case DFUD_IMAGE_TLV_ENC_KW:
		return DFUD_IMAGE_ENCRYPTION_KW;
	case DFUD_IMAGE_TLV_ENC_EC256:
		return DFUD_IMAGE_ENCRYPTION_EC256;
	case DFUD_IMAGE_TLV_ENC_X25519:
		return DFUD_IMAGE_ENCRYPTION_X25519;
	case DFUD_IMAGE_TLV_ENC_X25519_SHA512:
		return DFUD_IMAGE_ENCRYPTION_X25519_SHA512;
	default:
		return DFUD_IMAGE_ENCRYPTION_NONE;
	}
}

gchar *
dfud_image_hex_prefix(const guint8 *data, gsize len)
{
	return dfud_hex_encode(data, len, 8);
}
