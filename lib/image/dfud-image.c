/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudImage"

#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>

#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfud-image-private.h"

/* the last 16 bytes of a slot that imgtool --pad wrote (boot_img_magic) */
static const guint8 boot_magic[16] = {0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
				      0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80};

#define DEPENDENCY_TLV_SIZE 12u

struct _DfudImage {
	GObject parent_instance;
	GBytes *blob;
	gsize size;

	guint32 load_addr;
	guint16 hdr_size;
	guint16 protect_tlv_size;
	guint32 img_size;
	guint32 flags;
	DfudImageVersion version;
	gsize hashed_size; /* hdr_size + img_size + protect_tlv_size */
	gsize tlv_end;

	GArray *tlvs;	      /* DfudImageTlv */
	GArray *dependencies; /* DfudImageDependency */

	DfudImageHashType hash_type;
	GBytes *hash;
	DfudImageHashState hash_state;
	gchar *computed_hash_hex;
	GBytes *file_sha256;

	DfudImageSignatureType signature_type;
	GBytes *signature;
	gboolean signature_pure;
	GBytes *key_hash;
	GBytes *public_key;
	DfudImageEncryption encryption;
	gboolean has_security_counter;
	guint32 security_counter;
	gboolean has_trailer;
	guint8 image_ok;
	gboolean has_decomp_size;
	guint32 decomp_size;
	GBytes *decomp_hash;
};

G_DEFINE_FINAL_TYPE(DfudImage, dfud_image, G_TYPE_OBJECT)

static void
dfud_image_finalize(GObject *object)
{
	DfudImage *self = DFUD_IMAGE(object);

	g_clear_pointer(&self->blob, g_bytes_unref);
	g_clear_pointer(&self->tlvs, g_array_unref);
	g_clear_pointer(&self->dependencies, g_array_unref);
	g_clear_pointer(&self->hash, g_bytes_unref);
	g_clear_pointer(&self->computed_hash_hex, g_free);
	g_clear_pointer(&self->file_sha256, g_bytes_unref);
	g_clear_pointer(&self->signature, g_bytes_unref);
	g_clear_pointer(&self->key_hash, g_bytes_unref);
	g_clear_pointer(&self->public_key, g_bytes_unref);
	g_clear_pointer(&self->decomp_hash, g_bytes_unref);
	G_OBJECT_CLASS(dfud_image_parent_class)->finalize(object);
}

static void
dfud_image_class_init(DfudImageClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dfud_image_finalize;
}

static void
dfud_image_init(DfudImage *self)
{
	self->tlvs = g_array_new(FALSE, TRUE, sizeof(DfudImageTlv));
	self->dependencies = g_array_new(FALSE, TRUE, sizeof(DfudImageDependency));
}

static gboolean
image_parse_header(DfudImage *self, const guint8 *data, GError **error)
{
	guint32 magic;
	guint64 body_end;

	if (self->size == 0) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IMAGE_EMPTY, "empty file");
		return FALSE;
	}
	if (self->size < DFUD_IMAGE_HEADER_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_TRUNCATED,
			    "file of %" G_GSIZE_FORMAT " bytes is shorter than an image header "
			    "(%u bytes)",
			    self->size, DFUD_IMAGE_HEADER_SIZE);
		return FALSE;
	}
	magic = dfud_image_read_u32(data);
	if (magic != DFUD_IMAGE_MAGIC) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_MAGIC,
			    "bad image magic 0x%08x%s (want 0x%08x)", magic,
			    magic == DFUD_IMAGE_MAGIC_V1 ? ", the legacy v1 magic" : "",
			    DFUD_IMAGE_MAGIC);
		return FALSE;
	}
	self->load_addr = dfud_image_read_u32(data + 4);
	self->hdr_size = dfud_image_read_u16(data + 8);
	self->protect_tlv_size = dfud_image_read_u16(data + 10);
	self->img_size = dfud_image_read_u32(data + 12);
	self->flags = dfud_image_read_u32(data + 16);
	self->version.major = data[20];
	self->version.minor = data[21];
	self->version.revision = dfud_image_read_u16(data + 22);
	self->version.build = dfud_image_read_u32(data + 24);

	if (self->hdr_size < DFUD_IMAGE_HEADER_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_HEADER,
			    "header size 0x%x is smaller than the header itself (0x%x)",
			    self->hdr_size, DFUD_IMAGE_HEADER_SIZE);
		return FALSE;
	}
	body_end = (guint64)self->hdr_size + self->img_size;
	if (body_end > self->size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_SIZE_BEYOND_FILE,
			    "hdr_size+img_size (0x%" G_GINT64_MODIFIER
			    "x) > file size (0x%" G_GSIZE_MODIFIER "x)",
			    body_end, self->size);
		return FALSE;
	}
	return TRUE;
}

static GBytes *
image_tlv_value(DfudImage *self, const DfudImageTlv *tlv)
{
	return g_bytes_new_from_bytes(self->blob, tlv->offset, tlv->len);
}

static gboolean
image_interpret_dependency(DfudImage *self, const guint8 *data, const DfudImageTlv *tlv,
			   GError **error)
{
	DfudImageDependency dep = {0};
	const guint8 *p = data + tlv->offset;

	if (tlv->len != DEPENDENCY_TLV_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "DEPENDENCY TLV at 0x%" G_GSIZE_MODIFIER "x has length %u (want %u)",
			    tlv->offset - 4, tlv->len, DEPENDENCY_TLV_SIZE);
		return FALSE;
	}
	dep.image_index = p[0];
	dep.min_version.major = p[4];
	dep.min_version.minor = p[5];
	dep.min_version.revision = dfud_image_read_u16(p + 6);
	dep.min_version.build = dfud_image_read_u32(p + 8);
	g_array_append_val(self->dependencies, dep);
	return TRUE;
}

/* DECOMP_SIZE (u32) and DECOMP_SHA (of the hash TLV's length, checked once it is known) */
static gboolean
image_interpret_decomp(DfudImage *self, const DfudImageTlv *tlv, GError **error)
{
	const guint8 *data = g_bytes_get_data(self->blob, NULL);

	if (tlv->type == DFUD_IMAGE_TLV_DECOMP_SHA) {
		if (self->decomp_hash == NULL)
			self->decomp_hash = image_tlv_value(self, tlv);
		return TRUE;
	}
	if (self->has_decomp_size)
		return TRUE;
	if (tlv->len != 4) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "DECOMP_SIZE TLV at 0x%" G_GSIZE_MODIFIER "x has length %u (want 4)",
			    tlv->offset - 4, tlv->len);
		return FALSE;
	}
	self->has_decomp_size = TRUE;
	self->decomp_size = dfud_image_read_u32(data + tlv->offset);
	return TRUE;
}

/*
 * A compressed image (spec §7.2) must say what MCUboot writes to the primary slot: its size
 * and hash (DECOMP_SIZE, DECOMP_SHA, protected TLVs, §7.3); MCUboot refuses it without them.
 */
static gboolean
image_check_compression(DfudImage *self, GError **error)
{
	gsize hash_len = 0;

	if (!dfud_image_is_compressed(self))
		return TRUE;
	if (!self->has_decomp_size || self->decomp_hash == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "compressed image (flags 0x%x) without a protected %s TLV: the "
			    "bootloader cannot install it",
			    self->flags, !self->has_decomp_size ? "DECOMP_SIZE" : "DECOMP_SHA");
		return FALSE;
	}
	g_bytes_get_data(self->hash, &hash_len);
	if (g_bytes_get_size(self->decomp_hash) != hash_len) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
			    "DECOMP_SHA TLV has length %" G_GSIZE_FORMAT " but the image hash %s "
			    "has %" G_GSIZE_FORMAT,
			    g_bytes_get_size(self->decomp_hash),
			    dfud_image_hash_type_to_string(self->hash_type), hash_len);
		return FALSE;
	}
	return TRUE;
}

/* picks the hash the device reports: SHA-256 first, then SHA-512, then SHA-384 */
static gboolean
image_select_hash(DfudImage *self, const DfudImageTlv *hash_tlvs[3], GError **error)
{
	static const struct {
		guint index;
		DfudImageHashType type;
		guint16 len;
	} order[] = {
	    {0, DFUD_IMAGE_HASH_SHA256, 32},
	    {2, DFUD_IMAGE_HASH_SHA512, 64},
	    {1, DFUD_IMAGE_HASH_SHA384, 48},
	};

	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		const DfudImageTlv *tlv = hash_tlvs[order[i].index];

		if (tlv == NULL)
			continue;
		if (tlv->len != order[i].len) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
				    "%s TLV at 0x%" G_GSIZE_MODIFIER "x has length %u (want %u)",
				    dfud_image_tlv_type_to_string(tlv->type), tlv->offset - 4,
				    tlv->len, order[i].len);
			return FALSE;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		const DfudImageTlv *tlv = hash_tlvs[order[i].index];

		if (tlv == NULL)
			continue;
		self->hash_type = order[i].type;
		self->hash = image_tlv_value(self, tlv);
		if (hash_tlvs[0] != NULL && hash_tlvs[2] != NULL)
			g_debug(
			    "image has SHA256 and SHA512 TLVs; using SHA256 as the device does");
		return TRUE;
	}
	g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_IMAGE_NO_HASH,
			    "image has no SHA256, SHA384 or SHA512 TLV");
	return FALSE;
}

static gboolean
image_interpret_tlvs(DfudImage *self, const guint8 *data, GError **error)
{
	const DfudImageTlv *hash_tlvs[3] = {NULL, NULL, NULL};
	const DfudImageTlv *sig_tlv = NULL;
	guint16 enc_tlv_type = 0;

	for (guint i = 0; i < self->tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(self->tlvs, DfudImageTlv, i);

		switch (tlv->type) {
		case DFUD_IMAGE_TLV_SHA256:
		case DFUD_IMAGE_TLV_SHA384:
		case DFUD_IMAGE_TLV_SHA512: {
			guint idx = tlv->type - DFUD_IMAGE_TLV_SHA256;

			if (hash_tlvs[idx] != NULL) {
				g_set_error(
				    error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
				    "multiple hashes: second %s TLV at 0x%" G_GSIZE_MODIFIER "x",
				    dfud_image_tlv_type_to_string(tlv->type), tlv->offset - 4);
				return FALSE;
			}
			hash_tlvs[idx] = tlv;
			break;
		}
		case DFUD_IMAGE_TLV_KEYHASH:
			if (self->key_hash == NULL)
				self->key_hash = image_tlv_value(self, tlv);
			break;
		case DFUD_IMAGE_TLV_PUBKEY:
			if (self->public_key == NULL)
				self->public_key = image_tlv_value(self, tlv);
			break;
		case DFUD_IMAGE_TLV_RSA2048_PSS:
		case DFUD_IMAGE_TLV_ECDSA224:
		case DFUD_IMAGE_TLV_ECDSA_SIG:
		case DFUD_IMAGE_TLV_RSA3072_PSS:
		case DFUD_IMAGE_TLV_ED25519:
			if (sig_tlv == NULL)
				sig_tlv = tlv;
			break;
		case DFUD_IMAGE_TLV_SIG_PURE:
			self->signature_pure = TRUE;
			break;
		case DFUD_IMAGE_TLV_ENC_RSA2048:
		case DFUD_IMAGE_TLV_ENC_KW:
		case DFUD_IMAGE_TLV_ENC_EC256:
		case DFUD_IMAGE_TLV_ENC_X25519:
		case DFUD_IMAGE_TLV_ENC_X25519_SHA512:
			if (enc_tlv_type == 0)
				enc_tlv_type = tlv->type;
			break;
		case DFUD_IMAGE_TLV_SEC_CNT:
			/* MCUboot reads the security counter from the protected area only */
			if (!tlv->protected_area || self->has_security_counter)
				break;
			if (tlv->len != 4) {
				g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_BAD_TLV,
					    "SEC_CNT TLV at 0x%" G_GSIZE_MODIFIER
					    "x has length %u (want 4)",
					    tlv->offset - 4, tlv->len);
				return FALSE;
			}
			self->has_security_counter = TRUE;
			self->security_counter = dfud_image_read_u32(data + tlv->offset);
			break;
		case DFUD_IMAGE_TLV_DECOMP_SIZE:
		case DFUD_IMAGE_TLV_DECOMP_SHA:
			/* MCUboot reads the compression TLVs from the protected area only */
			if (tlv->protected_area && !image_interpret_decomp(self, tlv, error))
				return FALSE;
			break;
		case DFUD_IMAGE_TLV_DEPENDENCY:
			/* and dependencies likewise */
			if (tlv->protected_area &&
			    !image_interpret_dependency(self, data, tlv, error))
				return FALSE;
			break;
		default:
			break;
		}
	}
	if (!image_select_hash(self, hash_tlvs, error))
		return FALSE;
	if (sig_tlv != NULL) {
		self->signature_type =
		    dfud_image_tlv_signature_type(sig_tlv->type, self->hash_type);
		self->signature = image_tlv_value(self, sig_tlv);
	}
	if (!image_check_compression(self, error))
		return FALSE;
	if (dfud_image_is_encrypted(self))
		self->encryption = enc_tlv_type != 0 ? dfud_image_tlv_encryption(enc_tlv_type)
						     : DFUD_IMAGE_ENCRYPTION_UNKNOWN;
	return TRUE;
}

static gnutls_digest_algorithm_t
image_digest_algorithm(DfudImageHashType type)
{
	switch (type) {
	case DFUD_IMAGE_HASH_SHA384:
		return GNUTLS_DIG_SHA384;
	case DFUD_IMAGE_HASH_SHA512:
		return GNUTLS_DIG_SHA512;
	case DFUD_IMAGE_HASH_NONE:
	case DFUD_IMAGE_HASH_SHA256:
	default:
		return GNUTLS_DIG_SHA256;
	}
}

/*
 * The image hash (header and body, in the image's algorithm) and the whole file's SHA-256
 * (the upload's `sha`), in one pass over the bytes when both are SHA-256. GnuTLS rather than
 * GChecksum: it uses the CPU's SHA instructions, several times faster on a firmware of
 * hundreds of KB (bench/fleet.py counts the daemon's CPU time per MB).
 */
static gboolean
image_compute_hashes(DfudImage *self, const guint8 *data, GError **error)
{
	gnutls_digest_algorithm_t algo = image_digest_algorithm(self->hash_type);
	gnutls_hash_hd_t file_sum = NULL;
	gnutls_hash_hd_t image_sum = NULL;
	guint8 file_digest[32];
	guint8 digest[DFUD_IMAGE_HASH_MAX];
	gsize digest_len = gnutls_hash_get_len(algo);
	gsize hash_len = 0;
	const guint8 *hash = g_bytes_get_data(self->hash, &hash_len);
	gboolean ok;

	if (algo == GNUTLS_DIG_SHA256) {
		ok = gnutls_hash_init(&file_sum, GNUTLS_DIG_SHA256) == 0 &&
		     gnutls_hash(file_sum, data, self->hashed_size) == 0 &&
		     (image_sum = gnutls_hash_copy(file_sum)) != NULL &&
		     gnutls_hash(file_sum, data + self->hashed_size,
				 self->size - self->hashed_size) == 0;
	} else {
		ok = gnutls_hash_init(&file_sum, GNUTLS_DIG_SHA256) == 0 &&
		     gnutls_hash(file_sum, data, self->size) == 0 &&
		     gnutls_hash_init(&image_sum, algo) == 0 &&
		     gnutls_hash(image_sum, data, self->hashed_size) == 0;
	}
	if (file_sum != NULL)
		gnutls_hash_deinit(file_sum, ok ? file_digest : NULL);
	if (image_sum != NULL)
		gnutls_hash_deinit(image_sum, ok ? digest : NULL);
	if (!ok || digest_len > sizeof(digest)) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_FAILED,
				    "the crypto library cannot hash the image");
		return FALSE;
	}
	self->file_sha256 = g_bytes_new(file_digest, sizeof(file_digest));
	self->computed_hash_hex = dfud_hex_encode(digest, digest_len, digest_len);
	if (dfud_image_is_encrypted(self))
		self->hash_state = DFUD_IMAGE_HASH_STATE_ENCRYPTED;
	else if (digest_len == hash_len && memcmp(digest, hash, hash_len) == 0)
		self->hash_state = DFUD_IMAGE_HASH_STATE_VERIFIED;
	else
		self->hash_state = DFUD_IMAGE_HASH_STATE_MISMATCH;
	return TRUE;
}

static void
image_detect_trailer(DfudImage *self, const guint8 *data)
{
	gsize magic_off;

	/* the trailer (image_ok 8 bytes before the 16-byte magic) must lie after the TLVs */
	if (self->size - self->tlv_end < sizeof(boot_magic) + 8)
		return;
	magic_off = self->size - sizeof(boot_magic);
	if (memcmp(data + magic_off, boot_magic, sizeof(boot_magic)) != 0)
		return;
	self->has_trailer = TRUE;
	self->image_ok = data[magic_off - 8];
}

DfudImage *
dfud_image_new_from_bytes(GBytes *blob, GError **error)
{
	g_autoptr(DfudImage) self = NULL;
	const guint8 *data;
	gsize tlv_start;
	gsize end = 0;

	g_return_val_if_fail(blob != NULL, NULL);

	self = g_object_new(DFUD_TYPE_IMAGE, NULL);
	self->blob = g_bytes_ref(blob);
	data = g_bytes_get_data(blob, &self->size);
	if (!image_parse_header(self, data, error))
		return NULL;

	/* hdr_size + img_size <= size was checked, so this cannot overflow */
	tlv_start = (gsize)self->hdr_size + self->img_size;
	if (self->protect_tlv_size != 0) {
		if (!dfud_image_tlv_parse_area(data, self->size, tlv_start,
					       DFUD_IMAGE_TLV_PROT_MAGIC, TRUE,
					       self->protect_tlv_size, self->tlvs, &end, error))
			return NULL;
		tlv_start = end;
	}
	self->hashed_size = tlv_start;
	if (!dfud_image_tlv_parse_area(data, self->size, tlv_start, DFUD_IMAGE_TLV_INFO_MAGIC,
				       FALSE, 0, self->tlvs, &end, error))
		return NULL;
	self->tlv_end = end;
	if (!image_interpret_tlvs(self, data, error))
		return NULL;
	if (!image_compute_hashes(self, data, error))
		return NULL;
	image_detect_trailer(self, data);
	return g_steal_pointer(&self);
}

gboolean
dfud_image_verify(DfudImage *self, GError **error)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);

	if (self->hash_state == DFUD_IMAGE_HASH_STATE_MISMATCH) {
		gsize len = 0;
		const guint8 *hash = g_bytes_get_data(self->hash, &len);
		g_autofree gchar *tlv_hex = dfud_image_hex_prefix(hash, len);
		g_autofree gchar *computed = g_strndup(self->computed_hash_hex, 16);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_IMAGE_HASH_MISMATCH,
			    "image hash mismatch: TLV %s computed %s…", tlv_hex, computed);
		return FALSE;
	}
	return TRUE;
}

GBytes *
dfud_image_get_bytes(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->blob;
}

gsize
dfud_image_get_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->size;
}

guint32
dfud_image_get_load_addr(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->load_addr;
}

guint16
dfud_image_get_hdr_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->hdr_size;
}

guint16
dfud_image_get_protect_tlv_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->protect_tlv_size;
}

guint32
dfud_image_get_img_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->img_size;
}

guint32
dfud_image_get_flags(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->flags;
}

const DfudImageVersion *
dfud_image_get_version(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return &self->version;
}

gsize
dfud_image_get_tlv_end(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->tlv_end;
}

gsize
dfud_image_get_hashed_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	return self->hashed_size;
}

DfudImageHashType
dfud_image_get_hash_type(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), DFUD_IMAGE_HASH_NONE);
	return self->hash_type;
}

GBytes *
dfud_image_get_hash(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->hash;
}

DfudImageHashState
dfud_image_get_hash_state(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), DFUD_IMAGE_HASH_STATE_MISMATCH);
	return self->hash_state;
}

GBytes *
dfud_image_get_file_sha256(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->file_sha256;
}

DfudImageSignatureType
dfud_image_get_signature_type(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), DFUD_IMAGE_SIGNATURE_NONE);
	return self->signature_type;
}

GBytes *
dfud_image_get_signature(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->signature;
}

gboolean
dfud_image_is_signature_pure(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	return self->signature_pure;
}

GBytes *
dfud_image_get_key_hash(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->key_hash;
}

GBytes *
dfud_image_get_public_key(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->public_key;
}

gboolean
dfud_image_is_encrypted(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	return (self->flags &
		(DFUD_IMAGE_FLAG_ENCRYPTED_AES128 | DFUD_IMAGE_FLAG_ENCRYPTED_AES256)) != 0;
}

DfudImageEncryption
dfud_image_get_encryption(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), DFUD_IMAGE_ENCRYPTION_NONE);
	return self->encryption;
}

gboolean
dfud_image_get_security_counter(DfudImage *self, guint32 *value)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	if (self->has_security_counter && value != NULL)
		*value = self->security_counter;
	return self->has_security_counter;
}

GArray *
dfud_image_get_dependencies(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->dependencies;
}

GArray *
dfud_image_get_tlvs(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->tlvs;
}

gboolean
dfud_image_get_trailer(DfudImage *self, guint8 *image_ok)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	if (self->has_trailer && image_ok != NULL)
		*image_ok = self->image_ok;
	return self->has_trailer;
}

gboolean
dfud_image_is_compressed(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	return (self->flags &
		(DFUD_IMAGE_FLAG_COMPRESSED_LZMA1 | DFUD_IMAGE_FLAG_COMPRESSED_LZMA2)) != 0;
}

gboolean
dfud_image_get_decompressed_size(DfudImage *self, guint32 *size)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	if (self->has_decomp_size && size != NULL)
		*size = self->decomp_size;
	return self->has_decomp_size;
}

GBytes *
dfud_image_get_decompressed_hash(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	return self->decomp_hash;
}

GBytes *
dfud_image_get_installed_hash(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), NULL);
	if (dfud_image_is_compressed(self))
		return self->decomp_hash;
	return self->hash;
}

guint64
dfud_image_get_installed_size(DfudImage *self)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), 0);
	if (dfud_image_is_compressed(self))
		return (guint64)self->hdr_size + self->decomp_size;
	return self->size;
}

gboolean
dfud_image_get_rom_fixed_address(DfudImage *self, guint32 *address)
{
	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	if ((self->flags & DFUD_IMAGE_FLAG_ROM_FIXED) == 0)
		return FALSE;
	if (address != NULL)
		*address = self->load_addr;
	return TRUE;
}
