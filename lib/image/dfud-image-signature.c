/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud_image_verify_signature(): checks an image's signature TLV the way MCUboot does.
 */
#define G_LOG_DOMAIN "DfudImage"

#include "config.h"

#include "dfud-error.h"
#include "dfud-image-private.h"

static gchar *
bytes_hex_prefix(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);

	return dfud_image_hex_prefix(data, len);
}

static gchar *
key_hash_hex_prefix(DfudPublicKey *key)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(dfud_public_key_get_mcuboot_bytes(key), &len);
	g_autofree gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

	return g_strdup_printf("%.16s…", hex);
}

/* can @key have made a signature of @type? */
static gboolean
key_fits_signature(DfudPublicKeyType key, DfudImageSignatureType type)
{
	switch (type) {
	case DFUD_IMAGE_SIGNATURE_ECDSA_P256:
	case DFUD_IMAGE_SIGNATURE_ECDSA_P384:
		/* one TLV type for both curves: the key decides */
		return key == DFUD_PUBLIC_KEY_ECDSA_P256 || key == DFUD_PUBLIC_KEY_ECDSA_P384;
	case DFUD_IMAGE_SIGNATURE_ED25519:
		return key == DFUD_PUBLIC_KEY_ED25519;
	case DFUD_IMAGE_SIGNATURE_RSA2048_PSS:
		return key == DFUD_PUBLIC_KEY_RSA2048;
	case DFUD_IMAGE_SIGNATURE_RSA3072_PSS:
		return key == DFUD_PUBLIC_KEY_RSA3072;
	case DFUD_IMAGE_SIGNATURE_NONE:
	case DFUD_IMAGE_SIGNATURE_UNSUPPORTED:
	default:
		return FALSE;
	}
}

gboolean
dfud_image_verify_signature(DfudImage *self, DfudPublicKey *key, GError **error)
{
	DfudImageSignatureType sig_type;
	DfudPublicKeyType key_type;
	GBytes *signature;
	GBytes *key_hash;
	GBytes *pubkey;
	g_autoptr(GBytes) message = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean is_digest = TRUE;

	g_return_val_if_fail(DFUD_IS_IMAGE(self), FALSE);
	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(key), FALSE);

	sig_type = dfud_image_get_signature_type(self);
	signature = dfud_image_get_signature(self);
	key_type = dfud_public_key_get_key_type(key);
	if (signature == NULL) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_UNSIGNED,
				    "image has no signature TLV");
		return FALSE;
	}

	key_hash = dfud_image_get_key_hash(self);
	if (key_hash != NULL && !dfud_public_key_matches_hash(key, key_hash)) {
		g_autofree gchar *theirs = bytes_hex_prefix(key_hash);
		g_autofree gchar *ours = key_hash_hex_prefix(key);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH,
			    "image was signed with key %s, not %s", theirs, ours);
		return FALSE;
	}
	pubkey = dfud_image_get_public_key(self);
	if (pubkey != NULL && !dfud_public_key_matches_bytes(key, pubkey)) {
		g_autofree gchar *ours = key_hash_hex_prefix(key);
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(pubkey, &len);
		g_autofree gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH,
			    "image was signed with key %.16s…, not %s", hex, ours);
		return FALSE;
	}
	if (!key_fits_signature(key_type, sig_type)) {
		g_set_error(
		    error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH,
		    "image has a signature of type %s, which a key of type %s cannot have made",
		    sig_type == DFUD_IMAGE_SIGNATURE_UNSUPPORTED
			? "ECDSA224 (unsupported)"
			: dfud_image_signature_type_to_string(sig_type),
		    dfud_public_key_type_to_string(key_type));
		return FALSE;
	}

	if (dfud_image_is_signature_pure(self)) {
		/* pure Ed25519: the message is the hashed image range itself */
		if (key_type != DFUD_PUBLIC_KEY_ED25519) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID,
				    "SIG_PURE is only defined for Ed25519, not %s",
				    dfud_public_key_type_to_string(key_type));
			return FALSE;
		}
		message = g_bytes_new_from_bytes(dfud_image_get_bytes(self), 0,
						 dfud_image_get_hashed_size(self));
		is_digest = FALSE;
	} else {
		/* the hash TLV value, also for encrypted images (it covers the plaintext) */
		message = g_bytes_ref(dfud_image_get_hash(self));
	}
	if (!dfud_public_key_verify(key, message, is_digest, signature, &error_local)) {
		g_autofree gchar *ours = key_hash_hex_prefix(key);

		g_set_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID,
			    "image signature does not verify with key %s: %s", ours,
			    error_local->message);
		return FALSE;
	}
	return TRUE;
}
