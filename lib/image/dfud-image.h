/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "dfud-public-key.h"

G_BEGIN_DECLS

/* MCUboot image format constants (spec §7) */
#define DFUD_IMAGE_MAGIC	    0x96f3b83du
#define DFUD_IMAGE_MAGIC_V1	    0x96f3b83cu
#define DFUD_IMAGE_HEADER_SIZE	    32u
#define DFUD_IMAGE_TLV_INFO_MAGIC   0x6907u
#define DFUD_IMAGE_TLV_PROT_MAGIC   0x6908u
#define DFUD_IMAGE_TLV_INFO_SIZE    4u
#define DFUD_IMAGE_HASH_MAX	    64u

typedef enum {
	DFUD_IMAGE_FLAG_PIC = 0x00000001,
	DFUD_IMAGE_FLAG_ENCRYPTED_AES128 = 0x00000004,
	DFUD_IMAGE_FLAG_ENCRYPTED_AES256 = 0x00000008,
	DFUD_IMAGE_FLAG_NON_BOOTABLE = 0x00000010,
	DFUD_IMAGE_FLAG_RAM_LOAD = 0x00000020,
	DFUD_IMAGE_FLAG_ROM_FIXED = 0x00000100,
	DFUD_IMAGE_FLAG_COMPRESSED_LZMA1 = 0x00000200,
	DFUD_IMAGE_FLAG_COMPRESSED_LZMA2 = 0x00000400,
	DFUD_IMAGE_FLAG_COMPRESSED_ARM_THUMB = 0x00000800,
} DfudImageFlags;

typedef enum {
	DFUD_IMAGE_TLV_KEYHASH = 0x01,
	DFUD_IMAGE_TLV_PUBKEY = 0x02,
	DFUD_IMAGE_TLV_SHA256 = 0x10,
	DFUD_IMAGE_TLV_SHA384 = 0x11,
	DFUD_IMAGE_TLV_SHA512 = 0x12,
	DFUD_IMAGE_TLV_RSA2048_PSS = 0x20,
	DFUD_IMAGE_TLV_ECDSA224 = 0x21,
	DFUD_IMAGE_TLV_ECDSA_SIG = 0x22,
	DFUD_IMAGE_TLV_RSA3072_PSS = 0x23,
	DFUD_IMAGE_TLV_ED25519 = 0x24,
	DFUD_IMAGE_TLV_SIG_PURE = 0x25,
	DFUD_IMAGE_TLV_ENC_RSA2048 = 0x30,
	DFUD_IMAGE_TLV_ENC_KW = 0x31,
	DFUD_IMAGE_TLV_ENC_EC256 = 0x32,
	DFUD_IMAGE_TLV_ENC_X25519 = 0x33,
	DFUD_IMAGE_TLV_ENC_X25519_SHA512 = 0x34,
	DFUD_IMAGE_TLV_DEPENDENCY = 0x40,
	DFUD_IMAGE_TLV_SEC_CNT = 0x50,
	DFUD_IMAGE_TLV_BOOT_RECORD = 0x60,
	DFUD_IMAGE_TLV_DECOMP_SIZE = 0x70,
	DFUD_IMAGE_TLV_DECOMP_SHA = 0x71,
	DFUD_IMAGE_TLV_DECOMP_SIGNATURE = 0x72,
	DFUD_IMAGE_TLV_COMP_DEC_SIZE = 0x73,
	DFUD_IMAGE_TLV_UUID_VID = 0x74,
	DFUD_IMAGE_TLV_UUID_CID = 0x75,
} DfudImageTlvType;

typedef enum {
	DFUD_IMAGE_HASH_NONE,
	DFUD_IMAGE_HASH_SHA256,
	DFUD_IMAGE_HASH_SHA384,
	DFUD_IMAGE_HASH_SHA512,
} DfudImageHashType;

/* what recomputing the image hash over the file showed */
typedef enum {
	DFUD_IMAGE_HASH_STATE_VERIFIED,	    /* recomputed value equals the hash TLV */
	DFUD_IMAGE_HASH_STATE_MISMATCH,	    /* recomputed value differs: corrupt file */
	DFUD_IMAGE_HASH_STATE_ENCRYPTED,    /* TLV covers the plaintext: cannot be recomputed */
} DfudImageHashState;

typedef enum {
	DFUD_IMAGE_SIGNATURE_NONE,
	DFUD_IMAGE_SIGNATURE_ECDSA_P256,
	DFUD_IMAGE_SIGNATURE_ECDSA_P384,
	DFUD_IMAGE_SIGNATURE_ED25519,
	DFUD_IMAGE_SIGNATURE_RSA2048_PSS,
	DFUD_IMAGE_SIGNATURE_RSA3072_PSS,
	DFUD_IMAGE_SIGNATURE_UNSUPPORTED, /* e.g. ECDSA224, refused by current MCUboot */
} DfudImageSignatureType;

typedef enum {
	DFUD_IMAGE_ENCRYPTION_NONE,
	DFUD_IMAGE_ENCRYPTION_RSA2048, /* key wrapped with RSA-OAEP */
	DFUD_IMAGE_ENCRYPTION_KW,      /* AES key wrap */
	DFUD_IMAGE_ENCRYPTION_EC256,   /* ECIES P-256 */
	DFUD_IMAGE_ENCRYPTION_X25519,
	DFUD_IMAGE_ENCRYPTION_X25519_SHA512,
	DFUD_IMAGE_ENCRYPTION_UNKNOWN, /* an ENCRYPTED flag without a key TLV */
} DfudImageEncryption;

typedef struct {
	guint8 major;
	guint8 minor;
	guint16 revision;
	guint32 build;
} DfudImageVersion;

typedef struct {
	guint16 type;
	guint16 len;
	gsize offset; /* of the value, from the start of the file */
	gboolean protected_area;
} DfudImageTlv;

typedef struct {
	guint8 image_index;
	DfudImageVersion min_version;
} DfudImageDependency;

#define DFUD_TYPE_IMAGE (dfud_image_get_type())
G_DECLARE_FINAL_TYPE(DfudImage, dfud_image, DFUD, IMAGE, GObject)

/*
 * Parses an MCUboot image: header, protected and unprotected TLV areas, and recomputes the
 * image hash. Fails with a DFUD_ERROR_IMAGE_* code on a structural fault (empty, truncated,
 * bad magic, size beyond file, bad TLV area, no hash TLV). A hash mismatch is NOT a parse
 * failure: it is reported by dfud_image_get_hash_state() and dfud_image_verify().
 */
DfudImage *
dfud_image_new_from_bytes(GBytes *blob, GError **error);

/* Fails with DFUD_ERROR_IMAGE_HASH_MISMATCH unless the hash verified or the image is encrypted. */
gboolean
dfud_image_verify(DfudImage *self, GError **error);

/*
 * Verifies the signature TLV against @key: DFUD_ERROR_UNSIGNED without one,
 * DFUD_ERROR_KEY_MISMATCH if a KEYHASH/PUBKEY TLV names another key or the key type cannot
 * have made this signature, DFUD_ERROR_SIGNATURE_INVALID if the signature does not verify.
 */
gboolean
dfud_image_verify_signature(DfudImage *self, DfudPublicKey *key, GError **error);

/* The getters below return values owned by the image (transfer none); they live as long as it. */
GBytes *
dfud_image_get_bytes(DfudImage *self);
gsize
dfud_image_get_size(DfudImage *self);
guint32
dfud_image_get_load_addr(DfudImage *self);
guint16
dfud_image_get_hdr_size(DfudImage *self);
guint16
dfud_image_get_protect_tlv_size(DfudImage *self);
guint32
dfud_image_get_img_size(DfudImage *self);
guint32
dfud_image_get_flags(DfudImage *self);
const DfudImageVersion *
dfud_image_get_version(DfudImage *self);
/* offset just past the unprotected TLV area; bytes after it are padding / trailer */
gsize
dfud_image_get_tlv_end(DfudImage *self);
/* hdr_size + img_size + protect_tlv_size: the bytes the hash TLV (and a pure signature) covers */
gsize
dfud_image_get_hashed_size(DfudImage *self);

DfudImageHashType
dfud_image_get_hash_type(DfudImage *self);
/* the hash TLV value: what the device reports as the image hash in image state */
GBytes *
dfud_image_get_hash(DfudImage *self);
DfudImageHashState
dfud_image_get_hash_state(DfudImage *self);
/* SHA-256 of the whole file: the upload `sha` */
GBytes *
dfud_image_get_file_sha256(DfudImage *self);

DfudImageSignatureType
dfud_image_get_signature_type(DfudImage *self);
/* value of the first signature TLV (0x20-0x24), or NULL */
GBytes *
dfud_image_get_signature(DfudImage *self);
/* TRUE with a SIG_PURE TLV: the signature covers the hashed bytes, not the hash TLV value */
gboolean
dfud_image_is_signature_pure(DfudImage *self);
/* KEYHASH TLV value, or NULL */
GBytes *
dfud_image_get_key_hash(DfudImage *self);
/* PUBKEY TLV value, or NULL */
GBytes *
dfud_image_get_public_key(DfudImage *self);
gboolean
dfud_image_is_encrypted(DfudImage *self);
DfudImageEncryption
dfud_image_get_encryption(DfudImage *self);
gboolean
dfud_image_get_security_counter(DfudImage *self, guint32 *value);
/* element-type DfudImageDependency */
GArray *
dfud_image_get_dependencies(DfudImage *self);
/* element-type DfudImageTlv, in file order, protected first */
GArray *
dfud_image_get_tlvs(DfudImage *self);
/* pad/--confirm images: TRUE when the file ends with the MCUboot boot magic; image_ok byte */
gboolean
dfud_image_get_trailer(DfudImage *self, guint8 *image_ok);

/*
 * Compressed images (flags COMPRESSED_LZMA1/LZMA2, spec §7.2; the nRF Connect SDK's "MCUboot
 * image compression", overwrite-only): what is uploaded to the secondary slot is compressed,
 * MCUboot writes the decompressed image to the primary slot. Parsing fails when such an image
 * lacks a protected DECOMP_SIZE or DECOMP_SHA TLV (MCUboot could not install it).
 */
gboolean
dfud_image_is_compressed(DfudImage *self);
/* the DECOMP_SIZE TLV value: the decompressed body's size */
gboolean
dfud_image_get_decompressed_size(DfudImage *self, guint32 *size);
/* the DECOMP_SHA TLV value: the hash the device reports once the installed image runs; or NULL */
GBytes *
dfud_image_get_decompressed_hash(DfudImage *self);
/* the hash the device reports for the image in the slot it runs from after the install:
 * DECOMP_SHA for a compressed image, else the hash TLV (= dfud_image_get_hash) */
GBytes *
dfud_image_get_installed_hash(DfudImage *self);
/* bytes the primary slot must hold at least: header + decompressed body for a compressed
 * image (its TLVs not counted), else the file's size */
guint64
dfud_image_get_installed_size(DfudImage *self);
/* ROM_FIXED images (imgtool --rom-fixed, direct-XIP builds): the flash address the image is
 * linked for, ih_load_addr; FALSE without the flag */
gboolean
dfud_image_get_rom_fixed_address(DfudImage *self, guint32 *address);

/* "1.2.3+4" as imgtool writes it ("+0" omitted) */
gchar *
dfud_image_version_to_string(const DfudImageVersion *version);
/* "1.2.3.4" as a Zephyr device reports it (".0" build omitted) */
gchar *
dfud_image_version_to_device_string(const DfudImageVersion *version);
/* accepts "1", "1.2", "1.2.3", "1.2.3+4", "1.2.3.4"; missing parts are 0 */
gboolean
dfud_image_version_parse(const gchar *str, DfudImageVersion *version, GError **error);
/* compares major, minor, revision and, if @with_build, the build number */
gint
dfud_image_version_compare(const DfudImageVersion *a, const DfudImageVersion *b,
			   gboolean with_build);

const gchar *
dfud_image_hash_type_to_string(DfudImageHashType type);
const gchar *
dfud_image_signature_type_to_string(DfudImageSignatureType type);
const gchar *
dfud_image_encryption_to_string(DfudImageEncryption enc);
const gchar *
dfud_image_tlv_type_to_string(guint16 type);
/* space-separated names of the set flags ("ENCRYPTED_AES128 NON_BOOTABLE"), "" for none */
gchar *
dfud_image_flags_to_string(guint32 flags);

G_END_DECLS
