/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-cbor-check.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-command.h"
#include "dfud-smp-message.h"
#include "dfud-smp-response.h"

/* "rsn" is for logs only: kept short and made valid UTF-8 rather than refused */
#define DFUD_SMP_RSN_MAX 128u

static void
read_rsn(const cbor_item_t *map, DfudSmpStatus *status)
{
	const cbor_item_t *item = NULL;
	gsize len;
	const gchar *data;

	if (!dfud_smp_cbor_map_find(map, "rsn", &item, NULL) || item == NULL)
		return;
	if (!cbor_isa_string(item) || !cbor_string_is_definite(item))
		return;
	len = cbor_string_length(item);
	data = (const gchar *)cbor_string_handle(item);
	if (len == 0 || data == NULL)
		return;
	status->rsn = g_utf8_make_valid(data, (gssize)MIN(len, DFUD_SMP_RSN_MAX));
}

/* Error forms (spec §2.2): v2 "err": {"group", "rc"} anywhere in the map, generic "rc";
 * rc 0 in either means success. */
static gboolean
read_status(const cbor_item_t *map, DfudSmpStatus *status, GError **error)
{
	const cbor_item_t *err = NULL;
	gint64 rc = 0;

	*status = (DfudSmpStatus){0};
	if (!dfud_smp_cbor_map_get_map(map, "err", DFUD_SMP_CBOR_OPTIONAL, &err, error))
		return FALSE;
	if (err != NULL) {
		guint64 group = 0;
		guint64 group_rc = 0;

		if (!dfud_smp_cbor_map_get_uint(err, "group", DFUD_SMP_CBOR_REQUIRED, G_MAXUINT16,
						&group, NULL, error) ||
		    !dfud_smp_cbor_map_get_uint(err, "rc", DFUD_SMP_CBOR_REQUIRED, G_MAXINT64,
						&group_rc, NULL, error)) {
			g_prefix_error(error, "key \"err\": ");
			return FALSE;
		}
		if (group_rc != 0) {
			status->failed = TRUE;
			status->group_error = TRUE;
			status->group = (guint16)group;
			status->rc = (gint64)group_rc;
		}
	}
	if (!dfud_smp_cbor_map_get_int(map, "rc", DFUD_SMP_CBOR_OPTIONAL, G_MININT64, G_MAXINT64,
				       &rc, NULL, error))
		return FALSE;
	if (!status->failed && rc != 0) {
		status->failed = TRUE;
		status->rc = rc;
	}
	if (status->failed)
		read_rsn(map, status);
	return TRUE;
}

/* Decodes a response frame: header (op must be a response op, version 0 or 1), exact length,
 * a non-empty body that is a map with unique text keys, and its error status. */
DfudSmpResponse *
dfud_smp_response_parse(const guint8 *frame, gsize frame_len, GError **error)
{
	g_autoptr(DfudSmpResponse) resp = g_new0(DfudSmpResponse, 1);
	g_autofree gchar *what = NULL;

	if (!dfud_smp_header_decode(frame, frame_len, &resp->header, error))
		return NULL;
	what = dfud_smp_command_describe(resp->header.group, resp->header.id, resp->header.op);
	if (!dfud_smp_op_is_response(resp->header.op)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s: SMP frame is not a response: op %u (%s)", what, resp->header.op,
			    dfud_smp_op_name(resp->header.op));
		return NULL;
	}
	if (resp->header.version > DFUD_SMP_VERSION_2) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "%s response: reserved SMP version field %u", what,
			    resp->header.version);
		return NULL;
	}
	if (resp->header.len == 0 && frame_len == DFUD_SMP_HEADER_SIZE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL, "%s response: empty body",
			    what);
		return NULL;
	}
	resp->body = dfud_smp_message_parse(frame, frame_len, &resp->header, error);
	if (resp->body == NULL || !read_status(resp->body, &resp->status, error)) {
		g_prefix_error(error, "%s response: ", what);
		return NULL;
	}
	return g_steal_pointer(&resp);
}

DfudSmpResponse *
dfud_smp_response_parse_bytes(GBytes *frame, GError **error)
{
	gsize len = 0;
	const guint8 *data;

	g_return_val_if_fail(frame != NULL, NULL);
	data = g_bytes_get_data(frame, &len);
	return dfud_smp_response_parse(data, len, error);
}

void
dfud_smp_response_free(DfudSmpResponse *resp)
{
	if (resp == NULL)
		return;
	dfud_smp_cbor_item_unref(resp->body);
	dfud_smp_status_clear(&resp->status);
	g_free(resp);
}

/* the command the response answers, e.g. "image state write" */
gchar *
dfud_smp_response_describe(const DfudSmpResponse *resp)
{
	g_return_val_if_fail(resp != NULL, NULL);
	return dfud_smp_command_describe(resp->header.group, resp->header.id, resp->header.op);
}

/* FALSE with the device's error (dfud_smp_status_to_error) when the response reports one */
gboolean
dfud_smp_response_check(const DfudSmpResponse *resp, GError **error)
{
	g_return_val_if_fail(resp != NULL, FALSE);

	if (!resp->status.failed)
		return TRUE;
	g_propagate_error(error, dfud_smp_status_to_error(&resp->status, resp->header.group,
							  resp->header.id, resp->header.op));
	return FALSE;
}

/* prefixes a parse error with "<command> response: " */
void
dfud_smp_response_prefix_error(const DfudSmpResponse *resp, GError **error)
{
	g_autofree gchar *what = dfud_smp_response_describe(resp);
	g_prefix_error(error, "%s response: ", what);
}
