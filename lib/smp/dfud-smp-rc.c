/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-smp-command.h"
#include "dfud-smp-rc.h"

typedef struct {
	const gchar *name;
	const gchar *meaning;
} DfudSmpRcEntry;

/* indexed by rc; names are the upstream constants so logs can be grepped against them */
static const DfudSmpRcEntry dfud_smp_generic_rcs[] = {
    {"MGMT_ERR_EOK", "success"},
    {"MGMT_ERR_EUNKNOWN", "unspecified failure"},
    {"MGMT_ERR_ENOMEM", "out of memory or no buffer"},
    {"MGMT_ERR_EINVAL", "invalid argument or undecodable request"},
    {"MGMT_ERR_ETIMEOUT", "operation timed out"},
    {"MGMT_ERR_ENOENT", "no such entry"},
    {"MGMT_ERR_EBADSTATE", "the current state does not allow the command"},
    {"MGMT_ERR_EMSGSIZE", "the response does not fit in the device's buffer"},
    {"MGMT_ERR_ENOTSUP", "command not supported by the device"},
    {"MGMT_ERR_ECORRUPT", "corrupt or truncated SMP packet"},
    {"MGMT_ERR_EBUSY", "busy with another operation"},
    {"MGMT_ERR_EACCESSDENIED", "access denied"},
    {"MGMT_ERR_UNSUPPORTED_TOO_OLD", "SMP v1 request refused, the device speaks only v2"},
    {"MGMT_ERR_UNSUPPORTED_TOO_NEW", "SMP version newer than the device supports"},
};
G_STATIC_ASSERT(G_N_ELEMENTS(dfud_smp_generic_rcs) == DFUD_SMP_RC_UNSUPPORTED_TOO_NEW + 1);

static const DfudSmpRcEntry dfud_smp_img_rcs[] = {
    {"IMG_MGMT_ERR_OK", "no error"},
    {"IMG_MGMT_ERR_UNKNOWN", "unspecified image error"},
    {"IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL", "flash area configuration could not be queried"},
    {"IMG_MGMT_ERR_NO_IMAGE", "no image in the slot"},
    {"IMG_MGMT_ERR_NO_TLVS", "the image has no TLV area"},
    {"IMG_MGMT_ERR_INVALID_TLV", "invalid TLV type or length"},
    {"IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND", "the image has more than one hash TLV"},
    {"IMG_MGMT_ERR_TLV_INVALID_SIZE", "the hash TLV has the wrong size"},
    {"IMG_MGMT_ERR_HASH_NOT_FOUND", "no hash TLV, or no slot holds the given hash"},
    {"IMG_MGMT_ERR_NO_FREE_SLOT", "no slot available (the slot is in use)"},
    {"IMG_MGMT_ERR_FLASH_OPEN_FAILED", "flash area could not be opened"},
    {"IMG_MGMT_ERR_FLASH_READ_FAILED", "flash read failed"},
    {"IMG_MGMT_ERR_FLASH_WRITE_FAILED", "flash write failed"},
    {"IMG_MGMT_ERR_FLASH_ERASE_FAILED", "flash erase failed"},
    {"IMG_MGMT_ERR_INVALID_SLOT", "invalid slot"},
    {"IMG_MGMT_ERR_NO_FREE_MEMORY", "the device ran out of memory"},
    {"IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET", "flash context already set"},
    {"IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET", "flash context not set"},
    {"IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL", "flash area has no device"},
    {"IMG_MGMT_ERR_INVALID_PAGE_OFFSET", "invalid page offset"},
    {"IMG_MGMT_ERR_INVALID_OFFSET", "the upload request has no offset"},
    {"IMG_MGMT_ERR_INVALID_LENGTH", "the first upload chunk has no length"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_HEADER", "the first chunk is shorter than the image header"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC", "wrong image header magic"},
    {"IMG_MGMT_ERR_INVALID_HASH", "hash of the wrong length, or a test request without hash"},
    {"IMG_MGMT_ERR_INVALID_FLASH_ADDRESS", "the image is built for another slot address"},
    {"IMG_MGMT_ERR_VERSION_GET_FAILED", "the running version could not be read"},
    {"IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER", "the running version is not older than the upload"},
    {"IMG_MGMT_ERR_IMAGE_ALREADY_PENDING", "another image is already pending"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE", "invalid image vector table"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE", "the image is too large for the slot"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN", "the chunk would write past the image length"},
    {"IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED", "confirming a non-active image is not allowed"},
    {"IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED", "the running slot cannot be marked test"},
    {"IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN", "the active slot could not be determined"},
};
G_STATIC_ASSERT(G_N_ELEMENTS(dfud_smp_img_rcs) == DFUD_SMP_IMG_RC_ACTIVE_SLOT_NOT_KNOWN + 1);

static const DfudSmpRcEntry dfud_smp_os_rcs[] = {
    {"OS_MGMT_ERR_OK", "no error"},
    {"OS_MGMT_ERR_UNKNOWN", "unspecified OS error"},
    {"OS_MGMT_ERR_INVALID_FORMAT", "unknown letter in the info format"},
    {"OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER", "the bootloader info query is not known"},
    {"OS_MGMT_ERR_RTC_NOT_SET", "the real-time clock is not set"},
    {"OS_MGMT_ERR_RTC_COMMAND_FAILED", "the real-time clock command failed"},
    {"OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID", "the query has no valid value"},
    {"OS_MGMT_ERR_HEAP_STATS_FETCH_FAILED", "heap statistics could not be read"},
};
G_STATIC_ASSERT(G_N_ELEMENTS(dfud_smp_os_rcs) == DFUD_SMP_OS_RC_HEAP_STATS_FETCH_FAILED + 1);

void
dfud_smp_status_clear(DfudSmpStatus *status)
{
	if (status == NULL)
		return;
	g_clear_pointer(&status->rsn, g_free);
	*status = (DfudSmpStatus){0};
}

static const DfudSmpRcEntry *
generic_entry(gint64 rc)
{
	if (rc < 0 || rc >= (gint64)G_N_ELEMENTS(dfud_smp_generic_rcs))
		return NULL;
	return &dfud_smp_generic_rcs[rc];
}

static const DfudSmpRcEntry *
group_entry(guint group, gint64 rc)
{
	if (rc < 0)
		return NULL;
	if (group == DFUD_SMP_GROUP_IMAGE && rc < (gint64)G_N_ELEMENTS(dfud_smp_img_rcs))
		return &dfud_smp_img_rcs[rc];
	if (group == DFUD_SMP_GROUP_OS && rc < (gint64)G_N_ELEMENTS(dfud_smp_os_rcs))
		return &dfud_smp_os_rcs[rc];
	return NULL;
}

/* "MGMT_ERR_EBUSY" for a known generic rc, NULL otherwise */
const gchar *
dfud_smp_rc_generic_name(gint64 rc)
{
	const DfudSmpRcEntry *e = generic_entry(rc);
	return e != NULL ? e->name : NULL;
}

const gchar *
dfud_smp_rc_generic_meaning(gint64 rc)
{
	const DfudSmpRcEntry *e = generic_entry(rc);
	return e != NULL ? e->meaning : NULL;
}

/* "IMG_MGMT_ERR_NO_FREE_SLOT" for a known group error, NULL otherwise */
const gchar *
dfud_smp_rc_group_name(guint group, gint64 rc)
{
	const DfudSmpRcEntry *e = group_entry(group, rc);
	return e != NULL ? e->name : NULL;
}

const gchar *
dfud_smp_rc_group_meaning(guint group, gint64 rc)
{
	const DfudSmpRcEntry *e = group_entry(group, rc);
	return e != NULL ? e->meaning : NULL;
}

/* prefix of a group's error names: IMG_MGMT_ERR_, OS_MGMT_ERR_, FS_MGMT_ERR_, GROUP_77_ERR_ */
static gchar *
group_prefix(guint group)
{
	const gchar *name;
	g_autofree gchar *upper = NULL;

	if (group == DFUD_SMP_GROUP_IMAGE)
		return g_strdup("IMG_MGMT_ERR_");
	name = dfud_smp_group_name(group);
	if (name == NULL)
		return g_strdup_printf("GROUP_%u_ERR_", group);
	upper = g_ascii_strup(name, -1);
	g_strdelimit(upper, " -", '_');
	return g_strdup_printf("%s_MGMT_ERR_", upper);
}

/* Always a name: the table's, else e.g. "MGMT_ERR_<unknown 77>", "IMG_MGMT_ERR_<unknown 77>",
 * "MGMT_ERR_<per-user 300>" for application codes from 256 on. */
gchar *
dfud_smp_rc_describe(gboolean group_error, guint group, gint64 rc)
{
	g_autofree gchar *prefix = NULL;
	const gchar *name;

	if (!group_error) {
		name = dfud_smp_rc_generic_name(rc);
		if (name != NULL)
			return g_strdup(name);
		if (rc >= DFUD_SMP_RC_EPERUSER)
			return g_strdup_printf("MGMT_ERR_<per-user %" G_GINT64_FORMAT ">", rc);
		return g_strdup_printf("MGMT_ERR_<unknown %" G_GINT64_FORMAT ">", rc);
	}
	name = dfud_smp_rc_group_name(group, rc);
	if (name != NULL)
		return g_strdup(name);
	prefix = group_prefix(group);
	return g_strdup_printf("%s<unknown %" G_GINT64_FORMAT ">", prefix, rc);
}

/* Busy and not-supported answers get their own codes; any other device error is DEVICE. */
DfudErrorCode
dfud_smp_status_error_code(const DfudSmpStatus *status)
{
	g_return_val_if_fail(status != NULL, DFUD_ERROR_FAILED);

	if (status->group_error)
		return DFUD_ERROR_DEVICE;
	switch (status->rc) {
	case DFUD_SMP_RC_EBUSY:
		return DFUD_ERROR_BUSY;
	case DFUD_SMP_RC_ENOTSUP:
	case DFUD_SMP_RC_UNSUPPORTED_TOO_OLD:
	case DFUD_SMP_RC_UNSUPPORTED_TOO_NEW:
		return DFUD_ERROR_NOT_SUPPORTED;
	default:
		return DFUD_ERROR_DEVICE;
	}
}

/*
 * The one place a device error becomes a GError (NULL when the status is success). group, id and
 * op are the command's (from the response header). Messages:
 *   image upload: IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN (group 1, rc 31): data overrun
 *   os reset: MGMT_ERR_EBUSY (rc 10)
 * with ": <rsn>" appended only when the device sent one.
 */
GError *
dfud_smp_status_to_error(const DfudSmpStatus *status, guint group, guint id, guint op)
{
	g_autofree gchar *command = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *numbers = NULL;

	g_return_val_if_fail(status != NULL, NULL);

	if (!status->failed)
		return NULL;
	command = dfud_smp_command_describe(group, id, op);
	name = dfud_smp_rc_describe(status->group_error, status->group, status->rc);
	if (status->group_error) {
		numbers =
		    g_strdup_printf("group %u, rc %" G_GINT64_FORMAT, status->group, status->rc);
	} else {
		numbers = g_strdup_printf("rc %" G_GINT64_FORMAT, status->rc);
	}
	return g_error_new(DFUD_ERROR, dfud_smp_status_error_code(status), "%s: %s (%s)%s%s",
			   command, name, numbers, status->rsn != NULL ? ": " : "",
			   status->rsn != NULL ? status->rsn : "");
}

/* The forms in which a device says "unknown bootloader info query" (spec §3.5): generic rc 3,
 * 5 or 8, or err{group 0, rc 3}. */
gboolean
dfud_smp_status_is_query_unsupported(const DfudSmpStatus *status)
{
	g_return_val_if_fail(status != NULL, FALSE);

	if (!status->failed)
		return FALSE;
	if (status->group_error)
		return status->group == DFUD_SMP_GROUP_OS &&
		       status->rc == DFUD_SMP_OS_RC_QUERY_YIELDS_NO_ANSWER;
	return status->rc == DFUD_SMP_RC_EINVAL || status->rc == DFUD_SMP_RC_ENOENT ||
	       status->rc == DFUD_SMP_RC_ENOTSUP;
}
