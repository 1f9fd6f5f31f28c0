/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmpTest"

#include "config.h"

#include "dfud-smp.h"

static void
test_rc_generic_table(void)
{
	static const gchar *const names[] = {
	    "MGMT_ERR_EOK",
	    "MGMT_ERR_EUNKNOWN",
	    "MGMT_ERR_ENOMEM",
	    "MGMT_ERR_EINVAL",
	    "MGMT_ERR_ETIMEOUT",
	    "MGMT_ERR_ENOENT",
	    "MGMT_ERR_EBADSTATE",
	    "MGMT_ERR_EMSGSIZE",
	    "MGMT_ERR_ENOTSUP",
	    "MGMT_ERR_ECORRUPT",
	    "MGMT_ERR_EBUSY",
	    "MGMT_ERR_EACCESSDENIED",
	    "MGMT_ERR_UNSUPPORTED_TOO_OLD",
	    "MGMT_ERR_UNSUPPORTED_TOO_NEW",
	};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *d = dfud_smp_rc_describe(FALSE, 0, i);
		g_assert_cmpstr(dfud_smp_rc_generic_name(i), ==, names[i]);
		g_assert_cmpstr(d, ==, names[i]);
		g_assert_nonnull(dfud_smp_rc_generic_meaning(i));
	}
	g_assert_cmpstr(dfud_smp_rc_generic_meaning(DFUD_SMP_RC_EBUSY), ==,
			"busy with another operation");
	g_assert_null(dfud_smp_rc_generic_name(14));
	g_assert_null(dfud_smp_rc_generic_name(-1));
	g_assert_null(dfud_smp_rc_generic_meaning(256));
}

static void
test_rc_image_table(void)
{
	static const gchar *const names[] = {
	    "OK",
	    "UNKNOWN",
	    "FLASH_CONFIG_QUERY_FAIL",
	    "NO_IMAGE",
	    "NO_TLVS",
	    "INVALID_TLV",
	    "TLV_MULTIPLE_HASHES_FOUND",
	    "TLV_INVALID_SIZE",
	    "HASH_NOT_FOUND",
	    "NO_FREE_SLOT",
	    "FLASH_OPEN_FAILED",
	    "FLASH_READ_FAILED",
	    "FLASH_WRITE_FAILED",
	    "FLASH_ERASE_FAILED",
	    "INVALID_SLOT",
	    "NO_FREE_MEMORY",
	    "FLASH_CONTEXT_ALREADY_SET",
	    "FLASH_CONTEXT_NOT_SET",
	    "FLASH_AREA_DEVICE_NULL",
	    "INVALID_PAGE_OFFSET",
	    "INVALID_OFFSET",
	    "INVALID_LENGTH",
	    "INVALID_IMAGE_HEADER",
	    "INVALID_IMAGE_HEADER_MAGIC",
	    "INVALID_HASH",
	    "INVALID_FLASH_ADDRESS",
	    "VERSION_GET_FAILED",
	    "CURRENT_VERSION_IS_NEWER",
	    "IMAGE_ALREADY_PENDING",
	    "INVALID_IMAGE_VECTOR_TABLE",
	    "INVALID_IMAGE_TOO_LARGE",
	    "INVALID_IMAGE_DATA_OVERRUN",
	    "IMAGE_CONFIRMATION_DENIED",
	    "IMAGE_SETTING_TEST_TO_ACTIVE_DENIED",
	    "ACTIVE_SLOT_NOT_KNOWN",
	};

	g_assert_cmpuint(G_N_ELEMENTS(names), ==, 35);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *want = g_strconcat("IMG_MGMT_ERR_", names[i], NULL);
		g_autofree gchar *d = dfud_smp_rc_describe(TRUE, DFUD_SMP_GROUP_IMAGE, i);
		g_assert_cmpstr(dfud_smp_rc_group_name(DFUD_SMP_GROUP_IMAGE, i), ==, want);
		g_assert_cmpstr(d, ==, want);
		g_assert_nonnull(dfud_smp_rc_group_meaning(DFUD_SMP_GROUP_IMAGE, i));
	}
	g_assert_cmpuint(DFUD_SMP_IMG_RC_NO_FREE_SLOT, ==, 9);
	g_assert_cmpuint(DFUD_SMP_IMG_RC_CURRENT_VERSION_IS_NEWER, ==, 27);
	g_assert_cmpuint(DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING, ==, 28);
	g_assert_cmpstr(dfud_smp_rc_group_meaning(1, 9), ==,
			"no slot available (the slot is in use)");
	g_assert_null(dfud_smp_rc_group_name(DFUD_SMP_GROUP_IMAGE, 35));
}

static void
test_rc_os_table(void)
{
	static const gchar *const names[] = {
	    "OS_MGMT_ERR_OK",
	    "OS_MGMT_ERR_UNKNOWN",
	    "OS_MGMT_ERR_INVALID_FORMAT",
	    "OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER",
	    "OS_MGMT_ERR_RTC_NOT_SET",
	    "OS_MGMT_ERR_RTC_COMMAND_FAILED",
	    "OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID",
	    "OS_MGMT_ERR_HEAP_STATS_FETCH_FAILED",
	};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_assert_cmpstr(dfud_smp_rc_group_name(DFUD_SMP_GROUP_OS, i), ==, names[i]);
		g_assert_nonnull(dfud_smp_rc_group_meaning(DFUD_SMP_GROUP_OS, i));
	}
	g_assert_null(dfud_smp_rc_group_name(DFUD_SMP_GROUP_OS, 8));
	g_assert_null(dfud_smp_rc_group_name(DFUD_SMP_GROUP_FS, 1));
}

static void
test_rc_unknown(void)
{
	static const struct {
		gboolean group_error;
		guint group;
		gint64 rc;
		const gchar *name;
	} cases[] = {
	    {FALSE, 0, 77, "MGMT_ERR_<unknown 77>"},
	    {FALSE, 1, -3, "MGMT_ERR_<unknown -3>"},
	    {FALSE, 0, 300, "MGMT_ERR_<per-user 300>"},
	    {TRUE, 1, 77, "IMG_MGMT_ERR_<unknown 77>"},
	    {TRUE, 0, 9, "OS_MGMT_ERR_<unknown 9>"},
	    {TRUE, 8, 3, "FS_MGMT_ERR_<unknown 3>"},
	    {TRUE, 63, 1, "ZEPHYR_BASIC_MGMT_ERR_<unknown 1>"},
	    {TRUE, 77, 3, "GROUP_77_ERR_<unknown 3>"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *d =
		    dfud_smp_rc_describe(cases[i].group_error, cases[i].group, cases[i].rc);
		g_assert_cmpstr(d, ==, cases[i].name);
	}
}

static void
test_rc_messages(void)
{
	DfudSmpStatus overrun = {.failed = TRUE,
				 .group_error = TRUE,
				 .group = 1,
				 .rc = 31,
				 .rsn = (gchar *)"data overrun"};
	DfudSmpStatus busy = {.failed = TRUE, .rc = 10};
	DfudSmpStatus notsup = {.failed = TRUE, .rc = 8, .rsn = (gchar *)"no handler"};
	DfudSmpStatus slot = {.failed = TRUE, .group_error = TRUE, .group = 1, .rc = 9};
	DfudSmpStatus ok = {0};
	g_autoptr(GError) e1 = dfud_smp_status_to_error(&overrun, 1, 1, DFUD_SMP_OP_WRITE_RSP);
	g_autoptr(GError) e2 = dfud_smp_status_to_error(&busy, 0, 5, DFUD_SMP_OP_WRITE_RSP);
	g_autoptr(GError) e3 = dfud_smp_status_to_error(&notsup, 0, 6, DFUD_SMP_OP_READ_RSP);
	g_autoptr(GError) e4 = dfud_smp_status_to_error(&slot, 1, 0, DFUD_SMP_OP_WRITE_RSP);
	g_autoptr(GError) e5 = dfud_smp_status_to_error(&busy, 77, 2, DFUD_SMP_OP_WRITE_RSP);

	g_assert_error(e1, DFUD_ERROR, DFUD_ERROR_DEVICE);
	g_assert_cmpstr(e1->message, ==,
			"image upload: IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN (group 1, rc 31): "
			"data overrun");
	g_assert_error(e2, DFUD_ERROR, DFUD_ERROR_BUSY);
	g_assert_cmpstr(e2->message, ==, "os reset: MGMT_ERR_EBUSY (rc 10)");
	g_assert_error(e3, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED);
	g_assert_cmpstr(e3->message, ==, "os mcumgr params: MGMT_ERR_ENOTSUP (rc 8): no handler");
	g_assert_error(e4, DFUD_ERROR, DFUD_ERROR_DEVICE);
	g_assert_cmpstr(e4->message, ==,
			"image state write: IMG_MGMT_ERR_NO_FREE_SLOT (group 1, rc 9)");
	g_assert_cmpstr(e5->message, ==, "group 77 command 2: MGMT_ERR_EBUSY (rc 10)");
	g_assert_null(dfud_smp_status_to_error(&ok, 1, 1, 3));
}

static void
test_rc_codes(void)
{
	static const struct {
		gboolean group_error;
		guint group;
		gint64 rc;
		DfudErrorCode code;
	} cases[] = {
	    {FALSE, 0, 1, DFUD_ERROR_DEVICE},
	    {FALSE, 0, 3, DFUD_ERROR_DEVICE},
	    {FALSE, 0, 8, DFUD_ERROR_NOT_SUPPORTED},
	    {FALSE, 0, 10, DFUD_ERROR_BUSY},
	    {FALSE, 0, 12, DFUD_ERROR_NOT_SUPPORTED},
	    {FALSE, 0, 13, DFUD_ERROR_NOT_SUPPORTED},
	    {FALSE, 0, 300, DFUD_ERROR_DEVICE},
	    /* group error numbers never mean busy / not supported */
	    {TRUE, 1, 10, DFUD_ERROR_DEVICE},
	    {TRUE, 1, 8, DFUD_ERROR_DEVICE},
	    {TRUE, 0, 3, DFUD_ERROR_DEVICE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		DfudSmpStatus s = {.failed = TRUE,
				   .group_error = cases[i].group_error,
				   .group = cases[i].group,
				   .rc = cases[i].rc};
		g_assert_cmpint(dfud_smp_status_error_code(&s), ==, cases[i].code);
	}
}

static void
test_rc_query_unsupported(void)
{
	static const struct {
		gboolean failed, group_error;
		guint group;
		gint64 rc;
		gboolean unsupported;
	} cases[] = {
	    {TRUE, FALSE, 0, 3, TRUE},	{TRUE, FALSE, 0, 5, TRUE},   {TRUE, FALSE, 0, 8, TRUE},
	    {TRUE, TRUE, 0, 3, TRUE},	{TRUE, TRUE, 0, 6, FALSE},   {TRUE, TRUE, 1, 3, FALSE},
	    {TRUE, FALSE, 0, 1, FALSE}, {TRUE, FALSE, 0, 10, FALSE}, {FALSE, FALSE, 0, 0, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		DfudSmpStatus s = {.failed = cases[i].failed,
				   .group_error = cases[i].group_error,
				   .group = cases[i].group,
				   .rc = cases[i].rc};
		g_assert_cmpint(dfud_smp_status_is_query_unsupported(&s), ==, cases[i].unsupported);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/smp/rc/generic-table", test_rc_generic_table);
	g_test_add_func("/smp/rc/image-table", test_rc_image_table);
	g_test_add_func("/smp/rc/os-table", test_rc_os_table);
	g_test_add_func("/smp/rc/unknown", test_rc_unknown);
	g_test_add_func("/smp/rc/messages", test_rc_messages);
	g_test_add_func("/smp/rc/codes", test_rc_codes);
	g_test_add_func("/smp/rc/query-unsupported", test_rc_query_unsupported);
	return g_test_run();
}
