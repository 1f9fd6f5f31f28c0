/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-os-results.h"

/* longest "bootloader" name accepted */
#define DFUD_SMP_BOOTLOADER_NAME_MAX 64u

/* the one text result of echo ("r") and info ("output") */
static gchar *
parse_text(const DfudSmpResponse *resp, const gchar *key, GError **error)
{
	gchar *text = NULL;

	g_return_val_if_fail(resp != NULL, NULL);

	if (!dfud_smp_response_check(resp, error))
		return NULL;
	if (!dfud_smp_cbor_map_get_text(resp->body, key, DFUD_SMP_CBOR_REQUIRED, DFUD_SMP_BODY_MAX,
					&text, error)) {
		dfud_smp_response_prefix_error(resp, error);
		return NULL;
	}
	return text;
}

/* the echoed text ("r") */
gchar *
dfud_smp_response_parse_echo(const DfudSmpResponse *resp, GError **error)
{
	return parse_text(resp, "r", error);
}

/* the info string ("output") */
gchar *
dfud_smp_response_parse_os_info(const DfudSmpResponse *resp, GError **error)
{
	return parse_text(resp, "output", error);
}

/* buf_size and buf_count; other keys (e.g. inst_role) are ignored */
gboolean
dfud_smp_response_parse_params(const DfudSmpResponse *resp, DfudSmpParams *params, GError **error)
{
	guint64 buf_size = 0;
	guint64 buf_count = 0;

	g_return_val_if_fail(resp != NULL, FALSE);
	g_return_val_if_fail(params != NULL, FALSE);

	if (!dfud_smp_response_check(resp, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(resp->body, "buf_size", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT32,
					&buf_size, NULL, error) ||
	    !dfud_smp_cbor_map_get_uint(resp->body, "buf_count", DFUD_SMP_CBOR_REQUIRED,
					G_MAXUINT32, &buf_count, NULL, error)) {
		dfud_smp_response_prefix_error(resp, error);
		return FALSE;
	}
	params->buf_size = (guint32)buf_size;
	params->buf_count = (guint32)buf_count;
	return TRUE;
}

void
dfud_smp_bootloader_info_free(DfudSmpBootloaderInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->bootloader);
	g_free(info);
}

const gchar *
dfud_smp_bootloader_mode_to_string(gint32 mode)
{
	/* MCUboot's enum mcuboot_mode, in order (spec §3.5) */
	static const gchar *const names[] = {
	    "single-application", "swap-scratch",    "overwrite-only",
	    "swap-move",	  "direct-xip",	     "direct-xip-with-revert",
	    "ram-load",		  "firmware-loader", "single-ram-load",
	    "swap-offset",
	};

	if (mode < 0 || (guint)mode >= G_N_ELEMENTS(names))
		return "";
	return names[mode];
}

/* TRUE when the device answered a bootloader info query it does not know (spec §3.5) */
gboolean
dfud_smp_response_is_query_unsupported(const DfudSmpResponse *resp)
{
	g_return_val_if_fail(resp != NULL, FALSE);
	return dfud_smp_status_is_query_unsupported(&resp->status);
}

static gboolean
parse_bootloader_keys(const cbor_item_t *map, DfudSmpBootloaderInfo *info, GError **error)
{
	gint64 mode = 0;
	guint64 active = 0;

	if (!dfud_smp_cbor_map_get_text(map, "bootloader", DFUD_SMP_CBOR_OPTIONAL,
					DFUD_SMP_BOOTLOADER_NAME_MAX, &info->bootloader, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_int(map, "mode", DFUD_SMP_CBOR_OPTIONAL, G_MININT32, G_MAXINT32,
				       &mode, &info->has_mode, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_bool(map, "no-downgrade", DFUD_SMP_CBOR_OPTIONAL,
					&info->no_downgrade, NULL, error))
		return FALSE;
	if (!dfud_smp_cbor_map_get_uint(map, "active", DFUD_SMP_CBOR_OPTIONAL, 1, &active,
					&info->has_active, error))
		return FALSE;
	if (info->bootloader == NULL && !info->has_mode && !info->has_active) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
				    "none of the keys \"bootloader\", \"mode\", \"active\"");
		return FALSE;
	}
	info->mode = (gint32)mode;
	info->active = (guint8)active;
	return TRUE;
}

/*
 * Bootloader name, mode (+ no-downgrade) or active b0 slot. A device that does not know the
 * query (rc 3/5/8 or err{0,3}) gives DFUD_ERROR_NOT_SUPPORTED (message from the device error);
 * other device errors keep their usual code.
 */
DfudSmpBootloaderInfo *
dfud_smp_response_parse_bootloader_info(const DfudSmpResponse *resp, GError **error)
{
	g_autoptr(DfudSmpBootloaderInfo) info = NULL;

	g_return_val_if_fail(resp != NULL, NULL);

	if (dfud_smp_response_is_query_unsupported(resp)) {
		g_autoptr(GError) dev = dfud_smp_status_to_error(&resp->status, resp->header.group,
								 resp->header.id, resp->header.op);
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED, dev->message);
		return NULL;
	}
	if (!dfud_smp_response_check(resp, error))
		return NULL;
	info = g_new0(DfudSmpBootloaderInfo, 1);
	if (!parse_bootloader_keys(resp->body, info, error)) {
		dfud_smp_response_prefix_error(resp, error);
		return NULL;
	}
	return g_steal_pointer(&info);
}
