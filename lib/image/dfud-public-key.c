/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudImage"

#include "config.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-public-key.h"

struct _DfudPublicKey {
	GObject parent_instance;
	gnutls_pubkey_t pubkey;
	DfudPublicKeyType key_type;
	GBytes *mcuboot_bytes; /* SPKI DER, or PKCS#1 RSAPublicKey DER for RSA */
};

G_DEFINE_FINAL_TYPE(DfudPublicKey, dfud_public_key, G_TYPE_OBJECT)

static void
dfud_public_key_finalize(GObject *object)
{
	DfudPublicKey *self = DFUD_PUBLIC_KEY(object);

	if (self->pubkey != NULL)
		gnutls_pubkey_deinit(self->pubkey);
	g_clear_pointer(&self->mcuboot_bytes, g_bytes_unref);
	G_OBJECT_CLASS(dfud_public_key_parent_class)->finalize(object);
}

static void
dfud_public_key_class_init(DfudPublicKeyClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = dfud_public_key_finalize;
}

static void
dfud_public_key_init(DfudPublicKey *self)
{
}

/*
 * Reads one DER tag + length at data[*off], bounds-checked against @end. On success *off points
 * at the content and *len is its length, which is known to fit before @end.
 */
static gboolean
der_read_header(const guint8 *data, gsize end, gsize *off, guint8 *tag, gsize *len)
{
	gsize o = *off;
	gsize l;

	if (o >= end || end - o < 2)
		return FALSE;
	*tag = data[o++];
	l = data[o++];
	if (l & 0x80) {
		guint n = l & 0x7f;

		if (n == 0 || n > 4 || end - o < n)
			return FALSE;
		l = 0;
		for (guint i = 0; i < n; i++)
			l = (l << 8) | data[o++];
	}
	if (l > end - o)
		return FALSE;
	*off = o;
	*len = l;
	return TRUE;
}

/* SPKI = SEQUENCE { SEQUENCE algorithm, BIT STRING { 0 unused bits, RSAPublicKey } } */
static GBytes *
spki_extract_rsa_public_key(const guint8 *spki, gsize size)
{
	gsize off = 0;
	gsize len;
	gsize end;
	guint8 tag;

	if (!der_read_header(spki, size, &off, &tag, &len) || tag != 0x30)
		return NULL;
	end = off + len;
	if (!der_read_header(spki, end, &off, &tag, &len) || tag != 0x30)
		return NULL;
	off += len;
	if (!der_read_header(spki, end, &off, &tag, &len) || tag != 0x03 || len < 2 ||
	    spki[off] != 0)
		return NULL;
	return g_bytes_new(spki + off + 1, len - 1);
}

static gboolean
public_key_classify(DfudPublicKey *self, GError **error)
{
	unsigned int bits = 0;
	int algo = gnutls_pubkey_get_pk_algorithm(self->pubkey, &bits);

	switch (algo) {
	case GNUTLS_PK_ECDSA: {
		gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;

		if (gnutls_pubkey_export_ecc_raw2(self->pubkey, &curve, NULL, NULL, 0) < 0)
			break;
		if (curve == GNUTLS_ECC_CURVE_SECP256R1) {
			self->key_type = DFUD_PUBLIC_KEY_ECDSA_P256;
			return TRUE;
		}
		if (curve == GNUTLS_ECC_CURVE_SECP384R1) {
			self->key_type = DFUD_PUBLIC_KEY_ECDSA_P384;
			return TRUE;
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "unsupported ECDSA curve %s (MCUboot signs with P-256 or P-384)",
			    gnutls_ecc_curve_get_name(curve));
		return FALSE;
	}
	case GNUTLS_PK_EDDSA_ED25519:
		self->key_type = DFUD_PUBLIC_KEY_ED25519;
		return TRUE;
	case GNUTLS_PK_RSA:
		if (bits == 2048) {
			self->key_type = DFUD_PUBLIC_KEY_RSA2048;
			return TRUE;
		}
		if (bits == 3072) {
			self->key_type = DFUD_PUBLIC_KEY_RSA3072;
			return TRUE;
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "unsupported RSA key size %u (MCUboot signs with RSA-2048 or RSA-3072)",
			    bits);
		return FALSE;
	default:
		break;
	}
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
		    "unsupported key type %s (want ECDSA P-256/P-384, Ed25519 or RSA-2048/3072)",
		    algo < 0 ? "unknown" : gnutls_pk_get_name((gnutls_pk_algorithm_t)algo));
	return FALSE;
}

static gboolean
public_key_import(DfudPublicKey *self, const gnutls_datum_t *pem, GError **error)
{
	gnutls_privkey_t privkey = NULL;
	int rc;

	/* a SubjectPublicKeyInfo ("PUBLIC KEY") */
	rc = gnutls_pubkey_import(self->pubkey, pem, GNUTLS_X509_FMT_PEM);
	if (rc >= 0)
		return TRUE;

	/* a private key as imgtool keygen writes it: PKCS#8, or SEC1 / PKCS#1 */
	rc = gnutls_privkey_init(&privkey);
	if (rc >= 0)
		rc = gnutls_privkey_import_x509_raw(privkey, pem, GNUTLS_X509_FMT_PEM, NULL,
						    GNUTLS_PKCS_PLAIN);
	if (rc >= 0)
		rc = gnutls_pubkey_import_privkey(self->pubkey, privkey, 0, 0);
	if (privkey != NULL)
		gnutls_privkey_deinit(privkey);
	if (rc < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "not a usable PEM public or private key: %s", gnutls_strerror(rc));
		return FALSE;
	}
	return TRUE;
}

DfudPublicKey *
dfud_public_key_new_from_pem(GBytes *pem, GError **error)
{
	g_autoptr(DfudPublicKey) self = NULL;
	gnutls_datum_t datum;
	gnutls_datum_t der = {NULL, 0};
	gsize size = 0;
	int rc;

	g_return_val_if_fail(pem != NULL, NULL);

	datum.data = (unsigned char *)g_bytes_get_data(pem, &size);
	if (size == 0 || size > G_MAXUINT32) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "key file is empty or too large");
		return NULL;
	}
	datum.size = (unsigned int)size;

	self = g_object_new(DFUD_TYPE_PUBLIC_KEY, NULL);
	rc = gnutls_pubkey_init(&self->pubkey);
	if (rc < 0) {
		self->pubkey = NULL;
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_FAILED, "GnuTLS: %s",
			    gnutls_strerror(rc));
		return NULL;
	}
	if (!public_key_import(self, &datum, error))
		return NULL;
	if (!public_key_classify(self, error))
		return NULL;

	rc = gnutls_pubkey_export2(self->pubkey, GNUTLS_X509_FMT_DER, &der);
	if (rc < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "cannot encode the public key: %s", gnutls_strerror(rc));
		return NULL;
	}
	if (self->key_type == DFUD_PUBLIC_KEY_RSA2048 || self->key_type == DFUD_PUBLIC_KEY_RSA3072)
		self->mcuboot_bytes = spki_extract_rsa_public_key(der.data, der.size);
	else
		self->mcuboot_bytes = g_bytes_new(der.data, der.size);
	gnutls_free(der.data);
	if (self->mcuboot_bytes == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID,
			    "cannot find the RSA public key in its SubjectPublicKeyInfo");
		return NULL;
	}
	return g_steal_pointer(&self);
}

DfudPublicKeyType
dfud_public_key_get_key_type(DfudPublicKey *self)
{
	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(self), DFUD_PUBLIC_KEY_ECDSA_P256);
	return self->key_type;
}

const gchar *
dfud_public_key_type_to_string(DfudPublicKeyType type)
{
	switch (type) {
	case DFUD_PUBLIC_KEY_ECDSA_P256:
		return "ECDSA-P256";
	case DFUD_PUBLIC_KEY_ECDSA_P384:
		return "ECDSA-P384";
	case DFUD_PUBLIC_KEY_ED25519:
		return "Ed25519";
	case DFUD_PUBLIC_KEY_RSA2048:
		return "RSA-2048";
	case DFUD_PUBLIC_KEY_RSA3072:
		return "RSA-3072";
	}
	return "unknown";
}

GBytes *
dfud_public_key_get_mcuboot_bytes(DfudPublicKey *self)
{
	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(self), NULL);
	return self->mcuboot_bytes;
}

gboolean
dfud_public_key_matches_hash(DfudPublicKey *self, GBytes *key_hash)
{
	g_autoptr(GChecksum) checksum = NULL;
	guint8 digest[64];
	gsize digest_len = sizeof(digest);
	gsize hash_len = 0;
	const guint8 *hash;
	const guint8 *key;
	gsize key_len = 0;

	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(self), FALSE);
	g_return_val_if_fail(key_hash != NULL, FALSE);

	hash = g_bytes_get_data(key_hash, &hash_len);
	switch (hash_len) {
	case 32:
		checksum = g_checksum_new(G_CHECKSUM_SHA256);
		break;
	case 48:
		checksum = g_checksum_new(G_CHECKSUM_SHA384);
		break;
	case 64:
		checksum = g_checksum_new(G_CHECKSUM_SHA512);
		break;
	default:
		return FALSE;
	}
	key = g_bytes_get_data(self->mcuboot_bytes, &key_len);
	g_checksum_update(checksum, key, (gssize)key_len);
	g_checksum_get_digest(checksum, digest, &digest_len);
	return digest_len == hash_len && memcmp(digest, hash, hash_len) == 0;
}

gboolean
dfud_public_key_matches_bytes(DfudPublicKey *self, GBytes *pubkey)
{
	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(self), FALSE);
	g_return_val_if_fail(pubkey != NULL, FALSE);
	return g_bytes_equal(self->mcuboot_bytes, pubkey);
}

static gnutls_sign_algorithm_t
public_key_sign_algorithm(DfudPublicKeyType type, gsize digest_len)
{
	gboolean ecdsa = type == DFUD_PUBLIC_KEY_ECDSA_P256 || type == DFUD_PUBLIC_KEY_ECDSA_P384;

	if (type == DFUD_PUBLIC_KEY_ED25519)
		return GNUTLS_SIGN_EDDSA_ED25519;
	switch (digest_len) {
	case 32:
		return ecdsa ? GNUTLS_SIGN_ECDSA_SHA256 : GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	case 48:
		return ecdsa ? GNUTLS_SIGN_ECDSA_SHA384 : GNUTLS_SIGN_RSA_PSS_RSAE_SHA384;
	case 64:
		return ecdsa ? GNUTLS_SIGN_ECDSA_SHA512 : GNUTLS_SIGN_RSA_PSS_RSAE_SHA512;
	default:
		return GNUTLS_SIGN_UNKNOWN;
	}
}

/*
 * ECDSA signatures are DER; old imgtool versions padded them with zero bytes to a fixed length.
 * Returns the length of the DER SEQUENCE when only zeros follow it, else @len unchanged.
 */
static gsize
ecdsa_signature_unpadded_len(const guint8 *sig, gsize len)
{
	gsize off = 0;
	gsize content = 0;
	guint8 tag;

	if (!der_read_header(sig, len, &off, &tag, &content) || tag != 0x30)
		return len;
	for (gsize i = off + content; i < len; i++) {
		if (sig[i] != 0)
			return len;
	}
	return off + content;
}

gboolean
dfud_public_key_verify(DfudPublicKey *self, GBytes *message, gboolean message_is_digest,
		       GBytes *signature, GError **error)
{
	gnutls_datum_t msg_datum;
	gnutls_datum_t sig_datum;
	gnutls_sign_algorithm_t algo;
	gsize msg_len = 0;
	gsize sig_len = 0;
	const guint8 *msg;
	const guint8 *sig;
	int rc;

	g_return_val_if_fail(DFUD_IS_PUBLIC_KEY(self), FALSE);
	g_return_val_if_fail(message != NULL && signature != NULL, FALSE);

	msg = g_bytes_get_data(message, &msg_len);
	sig = g_bytes_get_data(signature, &sig_len);
	if (msg_len > G_MAXUINT32 || sig_len == 0 || sig_len > G_MAXUINT32) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID,
			    "signature or message has an impossible size");
		return FALSE;
	}
	if (self->key_type == DFUD_PUBLIC_KEY_ECDSA_P256 ||
	    self->key_type == DFUD_PUBLIC_KEY_ECDSA_P384)
		sig_len = ecdsa_signature_unpadded_len(sig, sig_len);

	msg_datum.data = (unsigned char *)msg;
	msg_datum.size = (unsigned int)msg_len;
	sig_datum.data = (unsigned char *)sig;
	sig_datum.size = (unsigned int)sig_len;

	if (self->key_type == DFUD_PUBLIC_KEY_ED25519 || !message_is_digest) {
		/* the key's own hash (SHA-384 for P-384, SHA-256 otherwise) over the message */
		gsize hash_len = self->key_type == DFUD_PUBLIC_KEY_ECDSA_P384 ? 48 : 32;

		algo = public_key_sign_algorithm(self->key_type, hash_len);
		rc = gnutls_pubkey_verify_data2(self->pubkey, algo, 0, &msg_datum, &sig_datum);
	} else {
		algo = public_key_sign_algorithm(self->key_type, msg_len);
		if (algo == GNUTLS_SIGN_UNKNOWN) {
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID,
				    "cannot verify a %s signature over a %" G_GSIZE_FORMAT
				    "-byte digest",
				    dfud_public_key_type_to_string(self->key_type), msg_len);
			return FALSE;
		}
		rc = gnutls_pubkey_verify_hash2(self->pubkey, algo, 0, &msg_datum, &sig_datum);
	}
	if (rc < 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID,
			    "%s signature does not verify: %s",
			    dfud_public_key_type_to_string(self->key_type), gnutls_strerror(rc));
		return FALSE;
	}
	return TRUE;
}
