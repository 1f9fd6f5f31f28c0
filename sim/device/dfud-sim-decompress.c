/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-decompress.h"

#define COMPRESSION_FLAGS                                                                          \
	(DFUD_IMAGE_FLAG_COMPRESSED_LZMA1 | DFUD_IMAGE_FLAG_COMPRESSED_LZMA2 |                     \
	 DFUD_IMAGE_FLAG_COMPRESSED_ARM_THUMB)

static gboolean
is_decomp_tlv(guint16 type)
{
	return type == DFUD_IMAGE_TLV_DECOMP_SIZE || type == DFUD_IMAGE_TLV_DECOMP_SHA ||
	       type == DFUD_IMAGE_TLV_DECOMP_SIGNATURE || type == DFUD_IMAGE_TLV_COMP_DEC_SIZE;
}

static gboolean
is_signature_tlv(guint16 type)
{
	return type == DFUD_IMAGE_TLV_RSA2048_PSS || type == DFUD_IMAGE_TLV_ECDSA224 ||
	       type == DFUD_IMAGE_TLV_ECDSA_SIG || type == DFUD_IMAGE_TLV_RSA3072_PSS ||
	       type == DFUD_IMAGE_TLV_ED25519;
}

static void
put_le16(GByteArray *out, guint16 v)
{
	guint8 b[2] = {(guint8)v, (guint8)(v >> 8)};

	g_byte_array_append(out, b, 2);
}

static void
put_tlv(GByteArray *out, guint16 type, const guint8 *value, guint16 len)
{
	put_le16(out, type);
	put_le16(out, len);
	g_byte_array_append(out, value, len);
}

static void
set_le32(guint8 *p, guint32 v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
	p[2] = (guint8)(v >> 16);
	p[3] = (guint8)(v >> 24);
}

/* the first TLV of @type in the protected area, or NULL */
static const DfudImageTlv *
find_protected(GArray *tlvs, guint16 type)
{
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (t->protected_area && t->type == type)
			return t;
	}
	return NULL;
}

/* decodes the body into exactly @size bytes appended to @out */
static gboolean
decode_body(const guint8 *body, gsize len, gboolean thumb, guint32 size, GByteArray *out,
	    GError **error)
{
	lzma_options_lzma *opt = NULL;
	lzma_filter lzma2 = {LZMA_FILTER_LZMA2, NULL};
	lzma_filter filters[3];
	lzma_stream strm = LZMA_STREAM_INIT;
	guint n = 0;
	gsize start = out->len;
	lzma_ret ret;

	/* byte 0: LZMA2's dictionary-size property; byte 1: (pb * 5 + lp) * 9 + lc, which the
	 * LZMA2 chunks carry again (compression_format.md) */
	if (len < 3) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "compressed body of %" G_GSIZE_FORMAT " bytes has no LZMA2 "
			    "header and stream",
			    len);
		return FALSE;
	}
	if (body[1] >= 9 * 5 * 5) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "bad LZMA properties byte 0x%02x", body[1]);
		return FALSE;
	}
	if (lzma_properties_decode(&lzma2, NULL, body, 1) != LZMA_OK) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "bad LZMA2 dictionary size byte 0x%02x", body[0]);
		return FALSE;
	}
	/* no match reaches further back than the output is long: a dictionary larger than the
	 * output decodes the same, and a hostile size byte must not make us allocate 4 GiB */
	opt = lzma2.options;
	opt->dict_size = MIN(opt->dict_size, MAX(size, (guint32)LZMA_DICT_SIZE_MIN));
	if (thumb)
		filters[n++] = (lzma_filter){LZMA_FILTER_ARMTHUMB, NULL};
	filters[n++] = lzma2;
	filters[n] = (lzma_filter){LZMA_VLI_UNKNOWN, NULL};
	ret = lzma_raw_decoder(&strm, filters);
	if (ret != LZMA_OK) {
		free(opt);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "liblzma cannot set up the decoder (%d)", (gint)ret);
		return FALSE;
	}
	/* one byte more than announced: a longer output is caught, not cut */
	g_byte_array_set_size(out, start + size + 1);
	strm.next_in = body + 2;
	strm.avail_in = len - 2;
	strm.next_out = out->data + start;
	strm.avail_out = (gsize)size + 1;
	ret = lzma_code(&strm, LZMA_FINISH);
	g_byte_array_set_size(out, start + (gsize)size + 1 - strm.avail_out);
	lzma_end(&strm);
	free(opt);
	if (ret != LZMA_STREAM_END && !(ret == LZMA_OK || ret == LZMA_BUF_ERROR)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "decompression error (liblzma %d)", (gint)ret);
		return FALSE;
	}
	if (out->len - start != size || ret != LZMA_STREAM_END) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "decompressed %s%u bytes, DECOMP_SIZE says %u",
			    out->len - start > size ? "more than " : "",
			    (guint)MIN(out->len - start, (gsize)size), size);
		return FALSE;
	}
	return TRUE;
}

GBytes *
dfud_sim_decompress_image(DfudImage *image, guint16 hash_tlv, guint32 primary_size, GError **error)
{
	GBytes *bytes = dfud_image_get_bytes(image);
	const guint8 *src = g_bytes_get_data(bytes, NULL);
	GArray *tlvs = dfud_image_get_tlvs(image);
	guint32 flags = dfud_image_get_flags(image);
	guint32 hdr_size = dfud_image_get_hdr_size(image);
	guint32 decomp_size = 0;
	const DfudImageTlv *sha, *sig;
	g_autoptr(GByteArray) prot = g_byte_array_new();
	g_autoptr(GByteArray) unprot = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint64 total;

	if ((flags & DFUD_IMAGE_FLAG_COMPRESSED_LZMA2) == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "compression flags 0x%x: this MCUboot decompresses LZMA2 only",
			    flags & COMPRESSION_FLAGS);
		return NULL;
	}
	if (flags & (DFUD_IMAGE_FLAG_ENCRYPTED_AES128 | DFUD_IMAGE_FLAG_ENCRYPTED_AES256)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "an encrypted compressed image: the simulated MCUboot has no key");
		return NULL;
	}
	sha = find_protected(tlvs, DFUD_IMAGE_TLV_DECOMP_SHA);
	sig = find_protected(tlvs, DFUD_IMAGE_TLV_DECOMP_SIGNATURE);
	if (!dfud_image_get_decompressed_size(image, &decomp_size) || sha == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "no DECOMP_SIZE or DECOMP_SHA TLV");
		return NULL;
	}
	/* the protected TLVs that stay, in their order */
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (t->protected_area && !is_decomp_tlv(t->type))
			put_tlv(prot, t->type, src + t->offset, t->len);
	}
	/* the primary slot takes header + body + protected TLVs (boot_is_compressed_header_valid:
	 * refused when that is not smaller than the slot) */
	total = (guint64)hdr_size + decomp_size + (prot->len > 0 ? prot->len + 4 : 0);
	if (total >= primary_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "decompressed image too large: %" G_GUINT64_FORMAT
			    " bytes, slot 0 has %u",
			    total, primary_size);
		return NULL;
	}
	/* the header, erased padding */
	g_byte_array_append(out, src, DFUD_IMAGE_HEADER_SIZE);
	set_le32(out->data + 12, decomp_size);
	set_le32(out->data + 16, flags & ~(guint32)COMPRESSION_FLAGS);
	out->data[10] = (guint8)(prot->len > 0 ? prot->len + 4 : 0);
	out->data[11] = (guint8)((prot->len > 0 ? prot->len + 4 : 0) >> 8);
	g_byte_array_set_size(out, hdr_size);
	memset(out->data + DFUD_IMAGE_HEADER_SIZE, 0xff, hdr_size - DFUD_IMAGE_HEADER_SIZE);
	if (!decode_body(src + hdr_size, dfud_image_get_img_size(image),
			 (flags & DFUD_IMAGE_FLAG_COMPRESSED_ARM_THUMB) != 0, decomp_size, out,
			 error))
		return NULL;
	if (prot->len > 0) {
		put_le16(out, DFUD_IMAGE_TLV_PROT_MAGIC);
		put_le16(out, (guint16)(prot->len + 4));
		g_byte_array_append(out, prot->data, prot->len);
	}
	/* the unprotected TLVs, hash and signature now those of the decompressed image */
	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *t = &g_array_index(tlvs, DfudImageTlv, i);
		if (t->protected_area || t->type == DFUD_IMAGE_TLV_COMP_DEC_SIZE)
			continue;
		if (t->type == hash_tlv)
			put_tlv(unprot, t->type, src + sha->offset, sha->len);
		else if (is_signature_tlv(t->type) && sig != NULL)
			put_tlv(unprot, t->type, src + sig->offset, sig->len);
		else if (!is_signature_tlv(t->type))
			put_tlv(unprot, t->type, src + t->offset, t->len);
	}
	if (unprot->len + 4 > G_MAXUINT16) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "unprotected TLV area too large");
		return NULL;
	}
	put_le16(out, DFUD_IMAGE_TLV_INFO_MAGIC);
	put_le16(out, (guint16)(unprot->len + 4));
	g_byte_array_append(out, unprot->data, unprot->len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}
