/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-cbor-check.h"
#include "dfud-smp-cbor-map.h"
#include "dfud-smp-message.h"

/*
 * Decodes any SMP frame, request or response: exact frame length, then the body pre-checked,
 * loaded and required to be a map with unique text keys. A zero-length body reads as an empty
 * map (servers accept that for parameterless reads, spec §9.3). Returns the map (caller owns it).
 */
cbor_item_t *
dfud_smp_message_parse(const guint8 *frame, gsize frame_len, DfudSmpHeader *hdr, GError **error)
{
	const guint8 *body = NULL;
	gsize body_len = 0;
	g_autoptr(cbor_item_t) map = NULL;

	g_return_val_if_fail(hdr != NULL, NULL);

	if (!dfud_smp_frame_decode(frame, frame_len, hdr, &body, &body_len, error))
		return NULL;
	if (body_len == 0)
		return cbor_new_definite_map(0);
	map = dfud_smp_cbor_load(body, body_len, error);
	if (map == NULL || !dfud_smp_cbor_map_validate(map, error))
		return NULL;
	return g_steal_pointer(&map);
}
