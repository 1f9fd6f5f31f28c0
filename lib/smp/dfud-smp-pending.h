/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-header.h"

G_BEGIN_DECLS

/*
 * Requests in flight, keyed by their 8-bit sequence number (spec §1.4). A pipelined sender
 * registers each request before sending it and matches every response header against the
 * table: by seq first, then group, id and op (response op = request op + 1).
 */
typedef struct {
	guint8 seq;
	guint8 id;
	guint8 op; /* request op: DFUD_SMP_OP_READ or DFUD_SMP_OP_WRITE */
	guint16 group;
	gpointer user_data;
} DfudSmpPendingEntry;

typedef struct _DfudSmpPending DfudSmpPending;

typedef void (*DfudSmpPendingFunc)(const DfudSmpPendingEntry *entry, gpointer data);

DfudSmpPending *dfud_smp_pending_new(GDestroyNotify user_data_free);
void dfud_smp_pending_free(DfudSmpPending *self);
void dfud_smp_pending_set_next_seq(DfudSmpPending *self, guint8 seq);
gboolean dfud_smp_pending_register(DfudSmpPending *self, guint16 group, guint8 id, guint8 op,
				   gpointer user_data, guint8 *seq, GError **error);
const DfudSmpPendingEntry *dfud_smp_pending_lookup(DfudSmpPending *self, guint8 seq);
const DfudSmpPendingEntry *dfud_smp_pending_match(DfudSmpPending *self, const DfudSmpHeader *rsp,
						  GError **error);
gpointer dfud_smp_pending_steal(DfudSmpPending *self, guint8 seq);
gboolean dfud_smp_pending_remove(DfudSmpPending *self, guint8 seq);
void dfud_smp_pending_clear(DfudSmpPending *self);
guint dfud_smp_pending_count(DfudSmpPending *self);
void dfud_smp_pending_foreach(DfudSmpPending *self, DfudSmpPendingFunc func, gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpPending, dfud_smp_pending_free)

G_END_DECLS
