/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-error.h"

G_BEGIN_DECLS

/* generic result codes, the "rc" key (spec §2.3, mcumgr_err_t) */
typedef enum {
	DFUD_SMP_RC_EOK = 0,
	DFUD_SMP_RC_EUNKNOWN = 1,
	DFUD_SMP_RC_ENOMEM = 2,
	DFUD_SMP_RC_EINVAL = 3,
	DFUD_SMP_RC_ETIMEOUT = 4,
	DFUD_SMP_RC_ENOENT = 5,
	DFUD_SMP_RC_EBADSTATE = 6,
	DFUD_SMP_RC_EMSGSIZE = 7,
	DFUD_SMP_RC_ENOTSUP = 8,
	DFUD_SMP_RC_ECORRUPT = 9,
	DFUD_SMP_RC_EBUSY = 10,
	DFUD_SMP_RC_EACCESSDENIED = 11,
	DFUD_SMP_RC_UNSUPPORTED_TOO_OLD = 12,
	DFUD_SMP_RC_UNSUPPORTED_TOO_NEW = 13,
	DFUD_SMP_RC_EPERUSER = 256,
} DfudSmpRc;

/* image group errors, err{group 1, rc} (spec §2.4) */
typedef enum {
	DFUD_SMP_IMG_RC_OK = 0,
	DFUD_SMP_IMG_RC_UNKNOWN = 1,
	DFUD_SMP_IMG_RC_FLASH_CONFIG_QUERY_FAIL = 2,
	DFUD_SMP_IMG_RC_NO_IMAGE = 3,
	DFUD_SMP_IMG_RC_NO_TLVS = 4,
	DFUD_SMP_IMG_RC_INVALID_TLV = 5,
	DFUD_SMP_IMG_RC_TLV_MULTIPLE_HASHES_FOUND = 6,
	DFUD_SMP_IMG_RC_TLV_INVALID_SIZE = 7,
	DFUD_SMP_IMG_RC_HASH_NOT_FOUND = 8,
	DFUD_SMP_IMG_RC_NO_FREE_SLOT = 9,
	DFUD_SMP_IMG_RC_FLASH_OPEN_FAILED = 10,
	DFUD_SMP_IMG_RC_FLASH_READ_FAILED = 11,
	DFUD_SMP_IMG_RC_FLASH_WRITE_FAILED = 12,
	DFUD_SMP_IMG_RC_FLASH_ERASE_FAILED = 13,
	DFUD_SMP_IMG_RC_INVALID_SLOT = 14,
	DFUD_SMP_IMG_RC_NO_FREE_MEMORY = 15,
	DFUD_SMP_IMG_RC_FLASH_CONTEXT_ALREADY_SET = 16,
	DFUD_SMP_IMG_RC_FLASH_CONTEXT_NOT_SET = 17,
	DFUD_SMP_IMG_RC_FLASH_AREA_DEVICE_NULL = 18,
	DFUD_SMP_IMG_RC_INVALID_PAGE_OFFSET = 19,
	DFUD_SMP_IMG_RC_INVALID_OFFSET = 20,
	DFUD_SMP_IMG_RC_INVALID_LENGTH = 21,
	DFUD_SMP_IMG_RC_INVALID_IMAGE_HEADER = 22,
	DFUD_SMP_IMG_RC_INVALID_IMAGE_HEADER_MAGIC = 23,
	DFUD_SMP_IMG_RC_INVALID_HASH = 24,
	DFUD_SMP_IMG_RC_INVALID_FLASH_ADDRESS = 25,
	DFUD_SMP_IMG_RC_VERSION_GET_FAILED = 26,
	DFUD_SMP_IMG_RC_CURRENT_VERSION_IS_NEWER = 27,
	DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING = 28,
	DFUD_SMP_IMG_RC_INVALID_IMAGE_VECTOR_TABLE = 29,
	DFUD_SMP_IMG_RC_INVALID_IMAGE_TOO_LARGE = 30,
	DFUD_SMP_IMG_RC_INVALID_IMAGE_DATA_OVERRUN = 31,
	DFUD_SMP_IMG_RC_IMAGE_CONFIRMATION_DENIED = 32,
	DFUD_SMP_IMG_RC_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED = 33,
	DFUD_SMP_IMG_RC_ACTIVE_SLOT_NOT_KNOWN = 34,
} DfudSmpImgRc;

/* OS group errors, err{group 0, rc} (spec §2.6) */
typedef enum {
	DFUD_SMP_OS_RC_OK = 0,
	DFUD_SMP_OS_RC_UNKNOWN = 1,
	DFUD_SMP_OS_RC_INVALID_FORMAT = 2,
	DFUD_SMP_OS_RC_QUERY_YIELDS_NO_ANSWER = 3,
	DFUD_SMP_OS_RC_RTC_NOT_SET = 4,
	DFUD_SMP_OS_RC_RTC_COMMAND_FAILED = 5,
	DFUD_SMP_OS_RC_QUERY_RESPONSE_VALUE_NOT_VALID = 6,
	DFUD_SMP_OS_RC_HEAP_STATS_FETCH_FAILED = 7,
} DfudSmpOsRc;

/* What a response said about success (spec §2.2). */
typedef struct {
	gboolean failed;      /* the device reported an error */
	gboolean group_error; /* TRUE: SMP v2 "err": {"group", "rc"}; FALSE: generic "rc" */
	guint16 group;	      /* err.group (group errors only) */
	gint64 rc;	      /* err.rc or rc; 0 on success */
	gchar *rsn;	      /* optional "rsn" text, NULL if absent */
} DfudSmpStatus;

void dfud_smp_status_clear(DfudSmpStatus *status);

const gchar *dfud_smp_rc_generic_name(gint64 rc);
const gchar *dfud_smp_rc_generic_meaning(gint64 rc);
const gchar *dfud_smp_rc_group_name(guint group, gint64 rc);
const gchar *dfud_smp_rc_group_meaning(guint group, gint64 rc);
gchar *dfud_smp_rc_describe(gboolean group_error, guint group, gint64 rc);

DfudErrorCode dfud_smp_status_error_code(const DfudSmpStatus *status);
GError *dfud_smp_status_to_error(const DfudSmpStatus *status, guint group, guint id, guint op);
gboolean dfud_smp_status_is_query_unsupported(const DfudSmpStatus *status);

G_END_DECLS
