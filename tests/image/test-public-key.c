/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * DfudPublicKey: the other PEM encodings of the fixture keys, keys MCUboot cannot use, and the
 * P-384 / RSA-3072 signature paths (no imgtool fixture has them: keys are generated and images
 * built and signed here, the way imgtool lays them out).
 */
#define G_LOG_DOMAIN "DfudTestImage"

#include "config.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-image.h"

#include "test-image-util.h"

/* key-ecdsa-p256.pem as a SEC1 "EC PRIVATE KEY" (openssl ec) */
static const gchar sec1_p256[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIKlkBxCOSNFPlq0NdT2sA5sDaNA1+VjzTRRo61PsumtyoAoGCCqGSM49\n"
    "AwEHoUQDQgAE7xK/fj/BJ2eOYcwivG0jv2hbf4eY6N7TMu+s5t3BUiSuSjRZ1q1/\n"
    "UoXD53undiAD0ob+aAQasEFosmmU4tSYVw==\n"
    "-----END EC PRIVATE KEY-----\n";

/* public half of key-ed25519.pem (openssl pkey -pubout) */
static const gchar spki_ed25519[] = "-----BEGIN PUBLIC KEY-----\n"
				    "MCowBQYDK2VwAyEAXtBrbv9H1whWHhEIHlzzd6itkK4/jLOAF2DuoLrrgV8=\n"
				    "-----END PUBLIC KEY-----\n";

/* public half of key-rsa2048.pem */
static const gchar spki_rsa2048[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApZ+CeHCo8fnGrVC4d31V\n"
    "TBTzkaKb90MSiWFfGOJrKLDetrUg8tRp8DdTR/QeD96kW022ZgJX0pskbh2EgRrz\n"
    "19Y/d6Pz4MItz7Cl+av361wzox4LDNFH0PwgCYpR/0ujVtZf9uKLftNj3QUGN2CQ\n"
    "CIbENX6EdKQChJN0MpqjbWHT+ZY0UDpRB0gRRZ5rVHU8HANi7YY3kXu8zfxCY/aY\n"
    "oC2pYyA4pOMfwn+gUciJtoKVAPaUoBPe0GptM8hr09SJmHU5pyteKK/H+lW4tlKC\n"
    "gsdWHOBXjUSTwoaGW8dSEcRskKIHUYn/m016N505VaG51DDftSh5XrDzolDTO5m4\n"
    "PQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

/* a throwaway P-521 key: a curve MCUboot does not sign with */
static const gchar pkcs8_p521[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIAKcNAqX73CEBWxsSH\n"
    "tUjJ/NmdOYJXRD+z18sNUAJVbNnM9wstAz3rh982Hs9hP1WPR+zK84l9gktO1Q03\n"
    "oGcjGGihgYkDgYYABAGUIQ0BoH2WZHvycZp0vF80qxBsTmSOcCy4XTufFoA7y7Ni\n"
    "kbkv2tSRvDQ8MLBJ5SwOWnbq7PkOBIX81tyxHpodkAAVzcrX0tWJULMDHxPyl6a6\n"
    "cAn1SmPeMWePiuSdw/NIp6xalJZjsIjvrqW3qTt19qvWdwQ883usGPjFUArvagFy\n"
    "1A==\n"
    "-----END PRIVATE KEY-----\n";

static DfudPublicKey *
key_from_string(const gchar *pem, GError **error)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(pem, strlen(pem));

	return dfud_public_key_new_from_pem(bytes, error);
}

static void
assert_key_hash(DfudPublicKey *key, const gchar *want)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(dfud_public_key_get_mcuboot_bytes(key), &len);
	g_autofree gchar *hash = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

	g_assert_cmpstr(hash, ==, want);
}

static void
test_key_encodings(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPublicKey) sec1 = key_from_string(sec1_p256, &error);
	g_autoptr(DfudPublicKey) ed = NULL;
	g_autoptr(DfudPublicKey) rsa = NULL;
	g_autoptr(DfudImage) image = NULL;

	g_assert_no_error(error);
	g_assert_cmpint(dfud_public_key_get_key_type(sec1), ==, DFUD_PUBLIC_KEY_ECDSA_P256);
	assert_key_hash(sec1, "f7572fcccd5bfb3fda46dc06aa6b4a8902b63051074fa45802a287f07d5e8c9f");

	ed = key_from_string(spki_ed25519, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_public_key_get_key_type(ed), ==, DFUD_PUBLIC_KEY_ED25519);
	assert_key_hash(ed, "af6962665e39389f50d5b67e7a41b400eb3bf30a22d5fbe113909bbd775ec95c");

	rsa = key_from_string(spki_rsa2048, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_public_key_get_key_type(rsa), ==, DFUD_PUBLIC_KEY_RSA2048);
	assert_key_hash(rsa, "772bb72c0f792a4fcb6165c5cb54a76fd1b852f42803a6e9cab8a62141f810e1");

	/* a public key alone verifies what its private half signed */
	image = test_image_parse("rsa2048_60k_v1.2.3+4.bin");
	g_assert_true(dfud_image_verify_signature(image, rsa, &error));
	g_assert_no_error(error);
	g_clear_object(&image);
	image = test_image_parse("ed25519_60k_v2.0.0.bin");
	g_assert_true(dfud_image_verify_signature(image, ed, &error));
	g_assert_no_error(error);
	g_clear_object(&image);
	image = test_image_parse("seccnt-dep-ecdsa-p256_60k_v2.0.0.bin");
	g_assert_true(dfud_image_verify_signature(image, sec1, &error));
	g_assert_no_error(error);
}

static void
test_key_unsupported_curve(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudPublicKey) key = key_from_string(pkcs8_p521, &error);

	g_assert_null(key);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_INVALID);
}

static void
test_key_verify_bad_input(void)
{
	g_autoptr(DfudPublicKey) key = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(GError) error = NULL;
	guint8 digest[20] = {0};
	guint8 sig[8] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
	g_autoptr(GBytes) msg = g_bytes_new(digest, sizeof(digest));
	g_autoptr(GBytes) signature = g_bytes_new(sig, sizeof(sig));
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);

	/* a digest of a length no hash has */
	g_assert_false(dfud_public_key_verify(key, msg, TRUE, signature, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
	g_clear_error(&error);
	g_assert_false(dfud_public_key_verify(key, msg, FALSE, signature, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
	g_clear_error(&error);
	g_assert_false(dfud_public_key_verify(key, msg, FALSE, empty, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
}

static void
append_tlv(GByteArray *array, guint16 type, const guint8 *value, guint16 len)
{
	guint8 head[4] = {type & 0xff, type >> 8, len & 0xff, len >> 8};

	g_byte_array_append(array, head, sizeof(head));
	g_byte_array_append(array, value, len);
}

/*
 * hashonly_1k's header and body, then an unprotected area: hash TLV (@checksum type), KEYHASH of
 * @key and the signature TLV of @sig_tlv made by @privkey over the hash value with @algo.
 */
static GBytes *
build_signed_image(gnutls_privkey_t privkey, DfudPublicKey *key, GChecksumType checksum_type,
		   guint16 hash_tlv, guint16 sig_tlv, gnutls_sign_algorithm_t algo)
{
	g_autoptr(GByteArray) src = test_image_load_mutable("hashonly_1k_v1.2.3+4.bin");
	g_autoptr(GByteArray) array = g_byte_array_new();
	g_autoptr(GChecksum) checksum = g_checksum_new(checksum_type);
	guint8 digest[64];
	gsize digest_len = sizeof(digest);
	guint8 key_hash[32];
	gsize key_hash_len = sizeof(key_hash);
	g_autoptr(GChecksum) key_sum = g_checksum_new(G_CHECKSUM_SHA256);
	gnutls_datum_t hash_datum;
	gnutls_datum_t sig = {NULL, 0};
	gsize key_len = 0;
	const guint8 *key_data = g_bytes_get_data(dfud_public_key_get_mcuboot_bytes(key), &key_len);
	guint8 info[4] = {0x07, 0x69, 0, 0};
	gsize total;

	g_byte_array_append(array, src->data, 0x600);
	g_checksum_update(checksum, array->data, array->len);
	g_checksum_get_digest(checksum, digest, &digest_len);
	g_checksum_update(key_sum, key_data, (gssize)key_len);
	g_checksum_get_digest(key_sum, key_hash, &key_hash_len);
	hash_datum.data = digest;
	hash_datum.size = (unsigned int)digest_len;
	g_assert_cmpint(gnutls_privkey_sign_hash2(privkey, algo, 0, &hash_datum, &sig), ==, 0);

	total = 4 + 4 + digest_len + 4 + 32 + 4 + sig.size;
	info[2] = total & 0xff;
	info[3] = total >> 8;
	g_byte_array_append(array, info, sizeof(info));
	append_tlv(array, hash_tlv, digest, (guint16)digest_len);
	append_tlv(array, DFUD_IMAGE_TLV_KEYHASH, key_hash, 32);
	append_tlv(array, sig_tlv, sig.data, (guint16)sig.size);
	gnutls_free(sig.data);
	return g_bytes_new(array->data, array->len);
}

static DfudPublicKey *
public_key_of(gnutls_privkey_t privkey)
{
	gnutls_pubkey_t pubkey = NULL;
	gnutls_datum_t pem = {NULL, 0};
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	DfudPublicKey *key;

	g_assert_cmpint(gnutls_pubkey_init(&pubkey), ==, 0);
	g_assert_cmpint(gnutls_pubkey_import_privkey(pubkey, privkey, 0, 0), ==, 0);
	g_assert_cmpint(gnutls_pubkey_export2(pubkey, GNUTLS_X509_FMT_PEM, &pem), ==, 0);
	gnutls_pubkey_deinit(pubkey);
	bytes = g_bytes_new(pem.data, pem.size);
	gnutls_free(pem.data);
	key = dfud_public_key_new_from_pem(bytes, &error);
	g_assert_no_error(error);
	return key;
}

static void
check_generated(gnutls_pk_algorithm_t pk, unsigned int bits, DfudPublicKeyType want_type,
		GChecksumType checksum_type, guint16 hash_tlv, guint16 sig_tlv,
		gnutls_sign_algorithm_t algo, DfudImageSignatureType want_sig)
{
	gnutls_privkey_t privkey = NULL;
	g_autoptr(DfudPublicKey) key = NULL;
	g_autoptr(DfudPublicKey) other = test_image_load_key("key-ecdsa-p256.pem");
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(DfudImage) image = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) array = g_byte_array_new();
	g_autoptr(GBytes) broken_blob = NULL;
	g_autoptr(DfudImage) broken = NULL;

	g_assert_cmpint(gnutls_privkey_init(&privkey), ==, 0);
	g_assert_cmpint(gnutls_privkey_generate2(privkey, pk, bits, 0, NULL, 0), ==, 0);
	key = public_key_of(privkey);
	g_assert_cmpint(dfud_public_key_get_key_type(key), ==, want_type);
	blob = build_signed_image(privkey, key, checksum_type, hash_tlv, sig_tlv, algo);
	gnutls_privkey_deinit(privkey);

	image = dfud_image_new_from_bytes(blob, &error);
	g_assert_no_error(error);
	g_assert_cmpint(dfud_image_get_hash_state(image), ==, DFUD_IMAGE_HASH_STATE_VERIFIED);
	g_assert_cmpint(dfud_image_get_signature_type(image), ==, want_sig);
	g_assert_true(dfud_image_verify_signature(image, key, &error));
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(image, other, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_KEY_MISMATCH);
	g_clear_error(&error);

	/* last signature byte changed */
	g_byte_array_append(array, g_bytes_get_data(blob, NULL), (guint)g_bytes_get_size(blob));
	array->data[array->len - 1] ^= 0x01;
	broken_blob = g_bytes_new(array->data, array->len);
	broken = dfud_image_new_from_bytes(broken_blob, &error);
	g_assert_no_error(error);
	g_assert_false(dfud_image_verify_signature(broken, key, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_SIGNATURE_INVALID);
}

static void
test_signature_ecdsa_p384(void)
{
	check_generated(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1),
			DFUD_PUBLIC_KEY_ECDSA_P384, G_CHECKSUM_SHA384, DFUD_IMAGE_TLV_SHA384,
			DFUD_IMAGE_TLV_ECDSA_SIG, GNUTLS_SIGN_ECDSA_SHA384,
			DFUD_IMAGE_SIGNATURE_ECDSA_P384);
}

static void
test_signature_rsa3072(void)
{
	check_generated(GNUTLS_PK_RSA, 3072, DFUD_PUBLIC_KEY_RSA3072, G_CHECKSUM_SHA256,
			DFUD_IMAGE_TLV_SHA256, DFUD_IMAGE_TLV_RSA3072_PSS,
			GNUTLS_SIGN_RSA_PSS_RSAE_SHA256, DFUD_IMAGE_SIGNATURE_RSA3072_PSS);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/image/key/encodings", test_key_encodings);
	g_test_add_func("/image/key/unsupported-curve", test_key_unsupported_curve);
	g_test_add_func("/image/key/verify-bad-input", test_key_verify_bad_input);
	g_test_add_func("/image/signature/ecdsa-p384", test_signature_ecdsa_p384);
	g_test_add_func("/image/signature/rsa3072-pss", test_signature_rsa3072);
	return g_test_run();
}
