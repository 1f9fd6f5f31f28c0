/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-sim-device-private.h"

/*
 * Responses are definite-length maps (as Zephyr's zcbor encoder writes them): the pairs are
 * written first and counted, the map head is put in front at the end. The capacity is what is
 * left of one SMP buffer after the header; a body that does not fit is an EMSGSIZE answer.
 */
void
dfud_sim_reply_init(DfudSimReply *r, gsize capacity)
{
	r->buf = g_malloc(MAX(capacity, 1));
	dfud_smp_cbor_writer_init(&r->w, r->buf, capacity);
	r->n_pairs = 0;
}

void
dfud_sim_reply_clear(DfudSimReply *r)
{
	g_clear_pointer(&r->buf, g_free);
}

void
dfud_sim_reply_reset(DfudSimReply *r)
{
	dfud_smp_cbor_writer_init(&r->w, r->buf, r->w.capacity);
	r->n_pairs = 0;
}

DfudSmpCborWriter *
dfud_sim_reply_key(DfudSimReply *r, const gchar *key)
{
	dfud_smp_cbor_writer_text(&r->w, key);
	r->n_pairs++;
	return &r->w;
}

GBytes *
dfud_sim_reply_finish(DfudSimReply *r)
{
	gsize head = dfud_smp_cbor_head_size(r->n_pairs);
	guint8 *out;
	DfudSmpCborWriter hw;

	if (!dfud_smp_cbor_writer_ok(&r->w) || r->w.pos + head > r->w.capacity)
		return NULL;
	out = g_malloc(r->w.pos + head);
	dfud_smp_cbor_writer_init(&hw, out, head);
	dfud_smp_cbor_writer_map(&hw, r->n_pairs);
	memcpy(out + head, r->buf, r->w.pos);
	return g_bytes_new_take(out, r->w.pos + head);
}
