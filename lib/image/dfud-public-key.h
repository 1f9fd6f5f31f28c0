/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
	DFUD_PUBLIC_KEY_ECDSA_P256,
	DFUD_PUBLIC_KEY_ECDSA_P384,
	DFUD_PUBLIC_KEY_ED25519,
	DFUD_PUBLIC_KEY_RSA2048,
	DFUD_PUBLIC_KEY_RSA3072,
} DfudPublicKeyType;

#define DFUD_TYPE_PUBLIC_KEY (dfud_public_key_get_type())
G_DECLARE_FINAL_TYPE(DfudPublicKey, dfud_public_key, DFUD, PUBLIC_KEY, GObject)

/*
 * Loads a signing key from PEM: a public key (SubjectPublicKeyInfo) or, as imgtool writes
 * them, a PKCS#8 / SEC1 / PKCS#1 private key of which only the public half is kept.
 * DFUD_ERROR_KEY_INVALID for anything else or an unsupported key type.
 */
DfudPublicKey *
dfud_public_key_new_from_pem(GBytes *pem, GError **error);

DfudPublicKeyType
dfud_public_key_get_key_type(DfudPublicKey *self);
const gchar *
dfud_public_key_type_to_string(DfudPublicKeyType type);
/* the bytes imgtool embeds in a PUBKEY TLV and hashes for KEYHASH (SPKI DER; PKCS#1 for RSA) */
GBytes *
dfud_public_key_get_mcuboot_bytes(DfudPublicKey *self);
/* TRUE if @key_hash (KEYHASH TLV) is the SHA-256 (or SHA-384/512, by length) of this key */
gboolean
dfud_public_key_matches_hash(DfudPublicKey *self, GBytes *key_hash);
/* TRUE if @pubkey (PUBKEY TLV) is this key */
gboolean
dfud_public_key_matches_bytes(DfudPublicKey *self, GBytes *pubkey);

/*
 * Verifies @signature made over @message, the way MCUboot checks the signature TLV for this
 * key type: ECDSA/RSA-PSS over a digest (@message is the digest), Ed25519 over @message bytes.
 */
gboolean
dfud_public_key_verify(DfudPublicKey *self, GBytes *message, gboolean message_is_digest,
		       GBytes *signature, GError **error);

G_END_DECLS
