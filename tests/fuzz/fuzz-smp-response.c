/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decodes the input as one SMP response frame and runs every typed parser on it, plus the
 * lower layers (header, CBOR pre-check, generic message decode, pending-table matching).
 */
#define G_LOG_DOMAIN "DfudSmpFuzz"

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dfud-smp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run_parsers(const DfudSmpResponse *resp)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *echo = NULL;
	g_autofree gchar *info = NULL;
	g_autofree gchar *what = NULL;
	g_autoptr(DfudSmpBootloaderInfo) boot = NULL;
	g_autoptr(DfudSmpImageState) state = NULL;
	g_autoptr(DfudSmpSlotInfo) slots = NULL;
	DfudSmpParams params;
	DfudSmpUploadResult upload;

	what = dfud_smp_response_describe(resp);
	if (!dfud_smp_response_check(resp, &error))
		g_clear_error(&error);
	{
		g_autoptr(GError) dev = dfud_smp_status_to_error(&resp->status, resp->header.group,
								 resp->header.id, resp->header.op);
		(void)dev;
	}
	(void)dfud_smp_response_is_query_unsupported(resp);

	echo = dfud_smp_response_parse_echo(resp, &error);
	g_clear_error(&error);
	info = dfud_smp_response_parse_os_info(resp, &error);
	g_clear_error(&error);
	if (!dfud_smp_response_parse_params(resp, &params, &error))
		g_clear_error(&error);
	boot = dfud_smp_response_parse_bootloader_info(resp, &error);
	g_clear_error(&error);
	state = dfud_smp_response_parse_image_state(resp, &error);
	g_clear_error(&error);
	if (state != NULL) {
		static const guint8 zero[32] = {0};
		(void)dfud_smp_image_state_find(state, 0, 1);
		(void)dfud_smp_image_state_find_active(state, 0);
		(void)dfud_smp_image_state_find_hash(state, zero, sizeof(zero));
	}
	if (!dfud_smp_response_parse_image_upload(resp, &upload, &error))
		g_clear_error(&error);
	if (!dfud_smp_response_parse_image_erase(resp, &error))
		g_clear_error(&error);
	slots = dfud_smp_response_parse_slot_info(resp, &error);
	g_clear_error(&error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudSmpResponse) resp = NULL;
	g_autoptr(cbor_item_t) map = NULL;
	g_autoptr(DfudSmpPending) pending = dfud_smp_pending_new(NULL);
	DfudSmpHeader hdr;

	if (size >= DFUD_SMP_HEADER_SIZE && dfud_smp_header_decode(data, size, &hdr, NULL)) {
		guint8 seq = 0;

		/* a request for whatever the header names, then match the frame against it */
		dfud_smp_pending_set_next_seq(pending, hdr.seq);
		if (dfud_smp_pending_register(pending, hdr.group, hdr.id, hdr.op & 2u, NULL, &seq,
					      NULL))
			(void)dfud_smp_pending_match(pending, &hdr, NULL);
	}
	if (size > DFUD_SMP_HEADER_SIZE)
		(void)dfud_smp_cbor_check(data + DFUD_SMP_HEADER_SIZE, size - DFUD_SMP_HEADER_SIZE,
					  NULL);
	map = dfud_smp_message_parse(data, size, &hdr, NULL);

	resp = dfud_smp_response_parse(data, size, &error);
	if (resp != NULL)
		run_parsers(resp);
	return 0;
}
