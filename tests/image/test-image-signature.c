/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Signing keys and image signature verification against the fixtures' keys.
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-image.h"

#include "test-image-util.h"

typedef struct {
	const gchar *file;
	DfudPublicKeyType type;
	const gchar *hash; /* README "SHA-256 of public key" */
} KeyFixture;

static const KeyFixture keys[] = {
    {"key-ecdsa-p256.pem", DFUD_PUBLIC_KEY_ECDSA_P256,
     "f7572fcccd5bfb3fda46dc06aa6b4a8902b63051074fa45802a287f07d5e8c9f"},
    {"key-ed25519.pem", DFUD_PUBLIC_KEY_ED25519,
     "af6962665e39389f50d5b67e7a41b400eb3bf30a22d5fbe113909bbd775ec95c"},
    {"key-rsa2048.pem", DFUD_PUBLIC_KEY_RSA2048,
     "772bb72c0f792a4fcb6165c5cb54a76fd1b852f42803a6e9cab8a62141f810e1"},
    /* a SubjectPublicKeyInfo file and its private half give the same key */
    {"enc-pub-ecdsa-p256.pem", DFUD_PUBLIC_KEY_ECDSA_P256,
     "9becb0cae26dfe49032bc3396d6551bf9cb567fb7a3eb502f29b7c4a793b3112"},
    {"enc-key-ecdsa-p256.pem", DFUD_PUBLIC_KEY_ECDSA_P256,
     "9becb0cae26dfe49032bc3396d6551bf9cb567fb7a3eb502f29b7c4a793b3112"},
};

static void
check_key(gconstpointer user_data)
{
	const KeyFixture *f = user_data;
	g_autoptr(DfudPublicKey) key = test_image_load_key(f->file);
	GBytes *bytes = dfud_public_key_get_mcuboot_bytes(key);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_autofree gchar *hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	g_autoptr(GBytes) raw_hash = NULL;
	guint8 digest[32];
	gsize digest_len = sizeof(digest);
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);

	g_assert_cmpint(dfud_public_key_get_key_type(key), ==, f->type);
	g_assert_cmpstr(hash, ==, f->hash);
	g_checksum_update(checksum, data, (gssize)len);
	g_checksum_get_digest(checksum, digest, &digest_len);
	raw_hash = g_bytes_new(digest, digest_len);
	g_assert_true(dfud_public_key_matches_hash(key, raw_hash));
	g_assert_true(dfud_public_key_matches_bytes(key, bytes));
	if (f->type == DFUD_PUBLIC_KEY_RSA2048) {
		/* PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n (257 bytes), INTEGER e } */
		g_assert_cmpuint(len, ==, 270);
		g_assert_cmpuint(data[0], ==, 0x30);
		g_assert_cmpuint(data[4], ==, 0x02);
	} else if (f->type == DFUD_PUBLIC_KEY_ECDSA_P256) {
		/* P-256 SPKI, as the PUBKEY TLV of the fullpubkey image (91 bytes) */
		g_assert_cmpuint(len, ==, 91);
	} else {
		g_assert_cmpuint(len, ==, 44);
	}
}

static void
test_key_invalid(void)
{
	static const gchar *const bad[] = {
	    "",
	    "hello",
	    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	    "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
	};
	/* X25519 keys encrypt; they cannot sign */
	static const gchar *const x25519[] = {"enc-key-x25519.pem", "enc-pub-x25519.pem"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GBytes) pem = g_bytes_new_static(bad[i], strlen(bad[i]));
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudPublicKey) key = dfud_public_key_new_from_pem(pem, &error);

		g_assert_null(key);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID);
	}
	for (guint i = 0; i < G_N_ELEMENTS(x25519); i++) {
		g_autoptr(GBytes) pem = test_image_load(x25519[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudPublicKey) key = dfud_public_key_new_from_pem(pem, &error);

		g_assert_null(key);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID);
	}
}

static void
test_key_type_names(void)
{
	g_assert_cmpstr(dfud_public_key_type_to_string(DFUD_PUBLIC_KEY_ECDSA_P256), ==,
			"ECDSA-P256");
	g_assert_cmpstr(dfud_public_key_type_to_string(DFUD_PUBLIC_KEY_ECDSA_P384), ==,
			"ECDSA-P384");
	g_assert_cmpstr(dfud_public_key_type_to_string(DFUD_PUBLIC_KEY_ED25519), ==, "Ed25519");
	g_assert_cmpstr(dfud_public_key_type_to_string(DFUD_PUBLIC_KEY_RSA2048), ==, "RSA-2048");
	g_assert_cmpstr(dfud_public_key_type_to_string(DFUD_PUBLIC_KEY_RSA3072), ==, "RSA-3072");
}

typedef struct {
	const gchar *image;
	const gchar *key;
} SignedFixture;

/* README: "signature verifies with <key>" */
static const SignedFixture signed_images[] = {
    {"ecdsa-p256-fullpubkey_1k_v1.0.0.bin", "key-ecdsa-p256.pem"},
    {"ecdsa-p256_60k_v1.2.3+4.bin", "key-ecdsa-p256.pem"},
    {"ed25519_60k_v2.0.0.bin", "key-ed25519.pem"},
    {"enc-ecies-p256-aes128-ecdsa-p256_60k_v1.2.3+4.bin", "key-ecdsa-p256.pem"},
    {"enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin", "key-ed25519.pem"},
    {"pad-confirm-ecdsa-p256_60k_slot0x20000_v1.2.3+4.bin", "key-ecdsa-p256.pem"},
    {"padheader-ecdsa-p256_60k_v1.3.0.bin", "key-ecdsa-p256.pem"},
    {"prottlv-mix-ed25519_4k_v0.9.1+77.bin", "key-ed25519.pem"},
    {"rsa2048_60k_v1.2.3+4.bin", "key-rsa2048.pem"},
    {"seccnt-dep-ecdsa-p256_60k_v2.0.0.bin", "key-ecdsa-p256.pem"},
};

static const gchar *const signing_keys[] = {"key-ecdsa-p256.pem", "key-ed25519.pem",
					    "key-rsa2048.pem"};

/* the offset of the signature TLV's value in @image */
static gsize
signature_offset(DfudImage *image)
{
	GArray *tlvs = dfud_image_get_tlvs(image);

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);

		if (tlv->type >= 0x20 && tlv->type <= 0x24)
			return tlv->offset;
	}
	g_assert_not_reached();
	return 0;
}

static void
check_signed(gconstpointer user_data)
{
	const SignedFixture *f = user_data;
	g_autoptr(DfudImage) image = test_image_parse(f->image);
	g_autoptr(DfudPublicKey) key = test_image_load_key(f->key);
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) array = NULL;
	g_autoptr(GBytes) mutated = NULL;
	g_autoptr(DfudImage) broken = NULL;
	gsize off;

	/* verifies with its own key, also when encrypted (the TLV covers the plaintext) */
	g_assert_true(dfud_image_verify_signature(image, key, &error));
	g_assert_no_error(error);

	/* every other key is refused as the wrong key */
	for (guint i = 0; i < G_N_ELEMENTS(signing_keys); i++) {
		g_autoptr(DfudPublicKey) other = NULL;

		if (g_strcmp0(signing_keys[i], f->key) == 0)
			continue;
		other = test_image_load_key(signing_keys[i]);
		g_assert_false(dfud_image_verify_signature(image, other, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
		g_test_message("%s with %s: %s", f->image, signing_keys[i], error->message);
		g_clear_error(&error);
	}

	/* one flipped bit inside the signature value */
	array = test_image_load_mutable(f->image);
	off = signature_offset(image);
	array->data[off + 10] ^= 0x01;
	mutated = g_bytes_new(array->data, array->len);
	broken = dfud_image_new_from_bytes(mutated, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_image_get_hash_state(broken), ==, dfud_image_get_hash_state(image));
	g_assert_false(dfud_image_verify_signature(broken, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
}

static void
test_signature_key_hash_message(void)
{
	g_autoptr(DfudImage) image = test_image_parse("ecdsa-p256_60k_v1.2.3+4.bin");
	g_autoptr(DfudPublicKey) key = test_image_load_key("enc-pub-ecdsa-p256.pem");
	g_autoptr(GError) error = NULL;

	/* same key type, another key: the KEYHASH TLV tells */
	g_assert_false(dfud_image_verify_signature(image, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_assert_cmpstr(error->message, ==,
			"image was signed with key f7572fcccd5bfb3f…, not 9becb0cae26dfe49…");
}

static void
test_signature_unsigned(void)
{
	static const gchar *const files[] = {"hashonly_1k_v1.2.3+4.bin",
					     "hashonly-sha512_4k_v1.0.0.bin"};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autoptr(DfudImage) image = test_image_parse(files[i]);
		g_autoptr(DfudPublicKey) key = test_image_load_key("key-ecdsa-p256.pem");
		g_autoptr(GError) error = NULL;

		g_assert_null(dfud_image_get_signature(image));
		g_assert_false(dfud_image_verify_signature(image, key, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_UNSIGNED);
	}
}

/* the full-key image carries a PUBKEY TLV: another key, or a changed PUBKEY, is a mismatch */
static void
test_signature_pubkey_tlv(void)
{
	g_autoptr(DfudImage) image = test_image_parse("ecdsa-p256-fullpubkey_1k_v1.0.0.bin");
	g_autoptr(DfudPublicKey) key = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(DfudPublicKey) other = test_image_load_key("enc-key-ecdsa-p256.pem");
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) array =
	    test_image_load_mutable("ecdsa-p256-fullpubkey_1k_v1.0.0.bin");
	g_autoptr(GBytes) mutated = NULL;
	g_autoptr(DfudImage) broken = NULL;
	const DfudImageTlv *pubkey_tlv =
	    &g_array_index(dfud_image_get_tlvs(image), DfudImageTlv, 1);

	g_assert_true(g_bytes_equal(dfud_image_get_public_key(image),
				    dfud_public_key_get_mcuboot_bytes(key)));
	g_assert_true(dfud_image_verify_signature(image, key, &error));
	g_assert_no_error(error);

	g_assert_false(dfud_image_verify_signature(image, other, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_assert_true(
	    g_str_has_prefix(error->message, "image was signed with key f7572fcccd5bfb3f…"));
	g_clear_error(&error);

	g_assert_cmpuint(pubkey_tlv->type, ==, DFUD_IMAGE_TLV_PUBKEY);
	array->data[pubkey_tlv->offset + pubkey_tlv->len - 1] ^= 0x80;
	mutated = g_bytes_new(array->data, array->len);
	broken = dfud_image_new_from_bytes(mutated, &error);
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(broken, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
}

/* without a KEYHASH TLV, the key type alone must fit the signature TLV type */
static void
test_signature_key_type_mismatch(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable("ecdsa-p256_60k_v1.2.3+4.bin");
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(DfudPublicKey) ecdsa = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(DfudPublicKey) ed25519 = test_image_load_key("key-ed25519.pem");
	g_autoptr(DfudPublicKey) rsa = test_image_load_key("key-rsa2048.pem");
	g_autoptr(GError) error = NULL;

	/* KEYHASH (unprotected, TLV 2 at 0xf224) retyped as a vendor TLV */
	g_assert_cmpuint(array->data[0xf200 + 4 + 36], ==, DFUD_IMAGE_TLV_KEYHASH);
	array->data[0xf200 + 4 + 36] = 0xa1;
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_null(dfud_image_get_key_hash(image));

	g_assert_true(dfud_image_verify_signature(image, ecdsa, &error));
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(image, ed25519, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_assert_cmpstr(error->message, ==,
			"image has a signature of type ECDSA-P256, which a key of type Ed25519 "
			"cannot have made");
	g_clear_error(&error);
	g_assert_false(dfud_image_verify_signature(image, rsa, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_clear_error(&error);

	/* ECDSA224 (0x21) is no longer supported: no key fits it */
	array->data[0xf200 + 4 + 72] = DFUD_IMAGE_TLV_ECDSA224;
	g_clear_object(&image);
	g_clear_pointer(&blob, g_bytes_unref);
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_image_get_signature_type(image), ==, DFUD_IMAGE_SIGNATURE_UNSUPPORTED);
	g_assert_false(dfud_image_verify_signature(image, ecdsa, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
}

/* a changed hash TLV: hash mismatch, and the signature over it no longer verifies */
static void
test_signature_hash_tlv_changed(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable("ed25519_60k_v2.0.0.bin");
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(DfudPublicKey) key = test_image_load_key("key-ed25519.pem");
	g_autoptr(GError) error = NULL;

	array->data[0xf200 + 8] ^= 0xff;
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_MISMATCH);
	g_assert_false(dfud_image_verify_signature(image, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
}

static void
append_tlv(GByteArray *array, guint16 type, const guint8 *value, guint16 len)
{
	guint8 head[4] = {type & 0xff, type >> 8, len & 0xff, len >> 8};

	g_byte_array_append(array, head, sizeof(head));
	g_byte_array_append(array, value, len);
}

static GBytes *
ed25519_sign(const gchar *pem_file, const guint8 *data, gsize len)
{
	g_autoptr(GBytes) pem = test_image_load(pem_file);
	gnutls_privkey_t privkey = NULL;
	gnutls_datum_t pem_datum;
	gnutls_datum_t msg = {(unsigned char *)data, (unsigned int)len};
	gnutls_datum_t sig = {NULL, 0};
	GBytes *result;
	gsize pem_len = 0;

	pem_datum.data = (unsigned char *)g_bytes_get_data(pem, &pem_len);
	pem_datum.size = (unsigned int)pem_len;
	g_assert_cmpint(gnutls_privkey_init(&privkey), ==, 0);
	g_assert_cmpint(
	    gnutls_privkey_import_x509_raw(privkey, &pem_datum, GNUTLS_X509_FMT_PEM, NULL, 0), ==,
	    0);
	g_assert_cmpint(
	    gnutls_privkey_sign_data2(privkey, GNUTLS_SIGN_EDDSA_ED25519, 0, &msg, &sig), ==, 0);
	gnutls_privkey_deinit(privkey);
	result = g_bytes_new(sig.data, sig.size);
	gnutls_free(sig.data);
	return result;
}

/*
 * Pure Ed25519 (SIG_PURE): the signature covers the hashed bytes themselves. No imgtool fixture
 * has one, so build it: the ed25519 image's header and body, a protected area with SIG_PURE,
 * the SHA-256 over the new hashed range and a signature over that range.
 */
static void
test_signature_pure_ed25519(void)
{
	g_autoptr(GByteArray) src = test_image_load_mutable("ed25519_60k_v2.0.0.bin");
	g_autoptr(GByteArray) array = g_byte_array_new();
	g_autoptr(DfudPublicKey) key = test_image_load_key("key-ed25519.pem");
	g_autoptr(DfudPublicKey) other = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(GBytes) sig = NULL;
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GBytes) digest_sig = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(GError) error = NULL;
	const gsize body_end = 0xf200;
	static const guint8 pure = 0x01;
	static const guint8 prot_info[4] = {0x08, 0x69, 9, 0};
	guint8 digest[32];
	gsize digest_len = sizeof(digest);
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize hashed;
	guint8 info[4] = {0x07, 0x69, 0, 0};

	g_byte_array_append(array, src->data, body_end);
	test_put_u16(array, 10, 9);
	g_byte_array_append(array, prot_info, sizeof(prot_info));
	append_tlv(array, DFUD_IMAGE_TLV_SIG_PURE, &pure, 1);
	hashed = array->len;
	g_checksum_update(checksum, array->data, (gssize)hashed);
	g_checksum_get_digest(checksum, digest, &digest_len);
	sig = ed25519_sign("key-ed25519.pem", array->data, hashed);
	digest_sig = ed25519_sign("key-ed25519.pem", digest, sizeof(digest));

	info[2] = 4 + 36 + 68;
	g_byte_array_append(array, info, sizeof(info));
	append_tlv(array, DFUD_IMAGE_TLV_SHA256, digest, sizeof(digest));
	append_tlv(array, DFUD_IMAGE_TLV_ED25519, g_bytes_get_data(sig, NULL), 64);
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_true(dfud_image_is_signature_pure(image));
	g_assert_cmpuint(dfud_image_get_hashed_size(image), ==, hashed);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	g_assert_true(dfud_image_verify_signature(image, key, &error));
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(image, other, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_clear_error(&error);

	/* a signature over the digest does not pass as a pure one */
	memcpy(array->data + array->len - 64, g_bytes_get_data(digest_sig, NULL), 64);
	g_clear_object(&image);
	g_clear_pointer(&blob, g_bytes_unref);
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(image, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
}

/* old imgtool padded DER ECDSA signatures with zeros to 72 bytes; MCUboot accepts that */
static void
test_signature_ecdsa_padded(void)
{
	g_autoptr(GByteArray) array = test_image_load_mutable("ecdsa-p256_60k_v1.2.3+4.bin");
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(DfudPublicKey) key = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(GError) error = NULL;
	static const guint8 zeros[2] = {0, 0};
	const gsize info = 0xf200;
	const gsize sig_head = info + 4 + 36 + 36;

	g_assert_cmpuint(array->data[sig_head], ==, DFUD_IMAGE_TLV_ECDSA_SIG);
	g_assert_cmpuint(array->data[sig_head + 2], ==, 70);
	g_byte_array_append(array, zeros, sizeof(zeros));
	array->data[sig_head + 2] = 72;
	test_put_u16(array, info + 2, 4 + 36 + 36 + 4 + 72);
	blob = g_bytes_new(array->data, array->len);
	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_true(dfud_image_verify_signature(image, key, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree gchar *path = g_strdup_printf("/image/key/%s", keys[i].file);
		g_test_add_data_func(path, &keys[i], check_key);
	}
	g_test_add_func("/image/key/invalid", test_key_invalid);
	g_test_add_func("/image/key/type-names", test_key_type_names);
	for (guint i = 0; i < G_N_ELEMENTS(signed_images); i++) {
		g_autofree gchar *path =
		    g_strdup_printf("/image/signature/%s", signed_images[i].image);
		g_test_add_data_func(path, &signed_images[i], check_signed);
	}
	g_test_add_func("/image/signature/key-hash-message", test_signature_key_hash_message);
	g_test_add_func("/image/signature/unsigned", test_signature_unsigned);
	g_test_add_func("/image/signature/pubkey-tlv", test_signature_pubkey_tlv);
	g_test_add_func("/image/signature/key-type-mismatch", test_signature_key_type_mismatch);
	g_test_add_func("/image/signature/hash-tlv-changed", test_signature_hash_tlv_changed);
	g_test_add_func("/image/signature/pure-ed25519", test_signature_pure_ed25519);
	g_test_add_func("/image/signature/ecdsa-padded", test_signature_ecdsa_padded);
	return g_test_run();
}
