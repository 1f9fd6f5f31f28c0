/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudImage"

#include "config.h"

#include <string.h>

#include "dfud-error.h"
#include "dfud-image.h"

gchar *
dfud_image_version_to_string(const DfudImageVersion *version)
{
	g_return_val_if_fail(version != NULL, NULL);

	if (version->build == 0)
		return g_strdup_printf("%u.%u.%u", version->major, version->minor,
				       version->revision);
	return g_strdup_printf("%u.%u.%u+%u", version->major, version->minor, version->revision,
			       version->build);
}

gchar *
dfud_image_version_to_device_string(const DfudImageVersion *version)
{
	g_return_val_if_fail(version != NULL, NULL);

	if (version->build == 0)
		return g_strdup_printf("%u.%u.%u", version->major, version->minor,
				       version->revision);
	return g_strdup_printf("%u.%u.%u.%u", version->major, version->minor, version->revision,
			       version->build);
}

/* reads decimal digits at *p into *value (at most @max); no sign, no spaces, at least one digit */
static gboolean
version_parse_number(const gchar **p, guint64 max, guint64 *value)
{
	guint64 v = 0;
	const gchar *s = *p;

	if (!g_ascii_isdigit(*s))
		return FALSE;
	while (g_ascii_isdigit(*s)) {
		v = v * 10 + (guint64)(*s - '0');
		if (v > max)
			return FALSE;
		s++;
	}
	*value = v;
	*p = s;
	return TRUE;
}

gboolean
dfud_image_version_parse(const gchar *str, DfudImageVersion *version, GError **error)
{
	static const guint64 max[] = {G_MAXUINT8, G_MAXUINT8, G_MAXUINT16, G_MAXUINT32};
	guint64 parts[4] = {0, 0, 0, 0};
	const gchar *p = str;
	guint n = 0;

	g_return_val_if_fail(str != NULL, FALSE);
	g_return_val_if_fail(version != NULL, FALSE);

	for (;;) {
		if (!version_parse_number(&p, max[n], &parts[n]))
			goto fail;
		n++;
		if (*p == '\0')
			break;
		if (n == 3 && *p == '+') {
			p++;
			if (!version_parse_number(&p, max[3], &parts[3]) || *p != '\0')
				goto fail;
			break;
		}
		if (n == 4 || *p != '.')
			goto fail;
		p++;
	}
	version->major = (guint8)parts[0];
	version->minor = (guint8)parts[1];
	version->revision = (guint16)parts[2];
	version->build = (guint32)parts[3];
	return TRUE;
fail:
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
		    "invalid version \"%s\" (want major.minor.revision+build, at most "
		    "255.255.65535+4294967295)",
		    str);
	return FALSE;
}

static gint
version_cmp_field(guint64 a, guint64 b)
{
	return a < b ? -1 : (a > b ? 1 : 0);
}

gint
dfud_image_version_compare(const DfudImageVersion *a, const DfudImageVersion *b,
			   gboolean with_build)
{
	gint rc;

	g_return_val_if_fail(a != NULL && b != NULL, 0);

	rc = version_cmp_field(a->major, b->major);
	if (rc == 0)
		rc = version_cmp_field(a->minor, b->minor);
	if (rc == 0)
		rc = version_cmp_field(a->revision, b->revision);
	if (rc == 0 && with_build)
		rc = version_cmp_field(a->build, b->build);
	return rc;
}

const gchar *
dfud_image_hash_type_to_string(DfudImageHashType type)
{
	switch (type) {
	case DFUD_IMAGE_HASH_NONE:
		return "none";
	case DFUD_IMAGE_HASH_SHA256:
		return "SHA-256";
	case DFUD_IMAGE_HASH_SHA384:
		return "SHA-384";
	case DFUD_IMAGE_HASH_SHA512:
		return "SHA-512";
	}
	return "unknown";
}

const gchar *
dfud_image_signature_type_to_string(DfudImageSignatureType type)
{
	switch (type) {
	case DFUD_IMAGE_SIGNATURE_NONE:
		return "none";
	case DFUD_IMAGE_SIGNATURE_ECDSA_P256:
		return "ECDSA-P256";
	case DFUD_IMAGE_SIGNATURE_ECDSA_P384:
		return "ECDSA-P384";
	case DFUD_IMAGE_SIGNATURE_ED25519:
		return "Ed25519";
	case DFUD_IMAGE_SIGNATURE_RSA2048_PSS:
		return "RSA-2048-PSS";
	case DFUD_IMAGE_SIGNATURE_RSA3072_PSS:
		return "RSA-3072-PSS";
	case DFUD_IMAGE_SIGNATURE_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}

const gchar *
dfud_image_encryption_to_string(DfudImageEncryption enc)
{
	switch (enc) {
	case DFUD_IMAGE_ENCRYPTION_NONE:
		return "none";
	case DFUD_IMAGE_ENCRYPTION_RSA2048:
		return "RSA-2048-OAEP";
	case DFUD_IMAGE_ENCRYPTION_KW:
		return "AES-KW";
	case DFUD_IMAGE_ENCRYPTION_EC256:
		return "ECIES-P256";
	case DFUD_IMAGE_ENCRYPTION_X25519:
		return "ECIES-X25519";
	case DFUD_IMAGE_ENCRYPTION_X25519_SHA512:
		return "ECIES-X25519-SHA512";
	case DFUD_IMAGE_ENCRYPTION_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

/* the names imgtool uses (imgtool dumpinfo, the fixtures README) */
const gchar *
dfud_image_tlv_type_to_string(guint16 type)
{
	switch (type) {
	case DFUD_IMAGE_TLV_KEYHASH:
		return "KEYHASH";
	case DFUD_IMAGE_TLV_PUBKEY:
		return "PUBKEY";
	case DFUD_IMAGE_TLV_SHA256:
		return "SHA256";
	case DFUD_IMAGE_TLV_SHA384:
		return "SHA384";
	case DFUD_IMAGE_TLV_SHA512:
		return "SHA512";
	case DFUD_IMAGE_TLV_RSA2048_PSS:
		return "RSA2048";
	case DFUD_IMAGE_TLV_ECDSA224:
		return "ECDSA224";
	case DFUD_IMAGE_TLV_ECDSA_SIG:
		return "ECDSASIG";
	case DFUD_IMAGE_TLV_RSA3072_PSS:
		return "RSA3072";
	case DFUD_IMAGE_TLV_ED25519:
		return "ED25519";
	case DFUD_IMAGE_TLV_SIG_PURE:
		return "SIG_PURE";
	case DFUD_IMAGE_TLV_ENC_RSA2048:
		return "ENCRSA2048";
	case DFUD_IMAGE_TLV_ENC_KW:
		return "ENCKW";
	case DFUD_IMAGE_TLV_ENC_EC256:
		return "ENCEC256";
	case DFUD_IMAGE_TLV_ENC_X25519:
		return "ENCX25519";
	case DFUD_IMAGE_TLV_ENC_X25519_SHA512:
		return "ENCX25519_SHA512";
	case DFUD_IMAGE_TLV_DEPENDENCY:
		return "DEPENDENCY";
	case DFUD_IMAGE_TLV_SEC_CNT:
		return "SEC_CNT";
	case DFUD_IMAGE_TLV_BOOT_RECORD:
		return "BOOT_RECORD";
	case DFUD_IMAGE_TLV_DECOMP_SIZE:
		return "DECOMP_SIZE";
	case DFUD_IMAGE_TLV_DECOMP_SHA:
		return "DECOMP_SHA";
	case DFUD_IMAGE_TLV_DECOMP_SIGNATURE:
		return "DECOMP_SIGNATURE";
	case DFUD_IMAGE_TLV_COMP_DEC_SIZE:
		return "COMP_DEC_SIZE";
	case DFUD_IMAGE_TLV_UUID_VID:
		return "UUID_VID";
	case DFUD_IMAGE_TLV_UUID_CID:
		return "UUID_CID";
	default:
		break;
	}
	/* 0xa0..0xff in every upper byte is reserved for vendors */
	if ((type & 0xffu) >= 0xa0u)
		return "VENDOR";
	return "UNKNOWN";
}

gchar *
dfud_image_flags_to_string(guint32 flags)
{
	static const struct {
		guint32 flag;
		const gchar *name;
	} names[] = {
	    {DFUD_IMAGE_FLAG_PIC, "PIC"},
	    {DFUD_IMAGE_FLAG_ENCRYPTED_AES128, "ENCRYPTED_AES128"},
	    {DFUD_IMAGE_FLAG_ENCRYPTED_AES256, "ENCRYPTED_AES256"},
	    {DFUD_IMAGE_FLAG_NON_BOOTABLE, "NON_BOOTABLE"},
	    {DFUD_IMAGE_FLAG_RAM_LOAD, "RAM_LOAD"},
	    {DFUD_IMAGE_FLAG_ROM_FIXED, "ROM_FIXED"},
	    {DFUD_IMAGE_FLAG_COMPRESSED_LZMA1, "COMPRESSED_LZMA1"},
	    {DFUD_IMAGE_FLAG_COMPRESSED_LZMA2, "COMPRESSED_LZMA2"},
	    {DFUD_IMAGE_FLAG_COMPRESSED_ARM_THUMB, "COMPRESSED_ARM_THUMB_FLT"},
	};
	GString *str = g_string_new(NULL);
	guint32 rest = flags;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if ((flags & names[i].flag) == 0)
			continue;
		if (str->len > 0)
			g_string_append_c(str, ' ');
		g_string_append(str, names[i].name);
		rest &= ~names[i].flag;
	}
	for (guint bit = 0; bit < 32; bit++) {
		guint32 mask = 1u << bit;

		if ((rest & mask) == 0)
			continue;
		if (str->len > 0)
			g_string_append_c(str, ' ');
		g_string_append_printf(str, "0x%x", mask);
	}
	return g_string_free(str, FALSE);
}
