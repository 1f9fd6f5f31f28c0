/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSmp"

#include "config.h"

#include "dfud-error.h"
#include "dfud-smp-command.h"
#include "dfud-smp-pending.h"

#define DFUD_SMP_SEQ_COUNT 256u

typedef struct {
	DfudSmpPendingEntry entry;
	gboolean in_use;
} DfudSmpPendingSlot;

struct _DfudSmpPending {
	DfudSmpPendingSlot slots[DFUD_SMP_SEQ_COUNT];
	GDestroyNotify user_data_free;
	guint count;
	guint8 next_seq;
};

/* user_data_free (may be NULL) is called for entries dropped by remove, clear and free */
DfudSmpPending *
dfud_smp_pending_new(GDestroyNotify user_data_free)
{
	DfudSmpPending *self = g_new0(DfudSmpPending, 1);

	self->user_data_free = user_data_free;
	return self;
}

void
dfud_smp_pending_free(DfudSmpPending *self)
{
	if (self == NULL)
		return;
	dfud_smp_pending_clear(self);
	g_free(self);
}

/* the next registration tries this seq first (default 0) */
void
dfud_smp_pending_set_next_seq(DfudSmpPending *self, guint8 seq)
{
	g_return_if_fail(self != NULL);
	self->next_seq = seq;
}

/* Picks the next free seq (previous + 1, wrapping at 255, skipping seqs still in flight) and
 * records the request under it. On failure user_data stays with the caller. */
gboolean
dfud_smp_pending_register(DfudSmpPending *self, guint16 group, guint8 id, guint8 op,
			  gpointer user_data, guint8 *seq, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(seq != NULL, FALSE);

	if (op != DFUD_SMP_OP_READ && op != DFUD_SMP_OP_WRITE) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "op %u is not a request op", op);
		return FALSE;
	}
	for (guint i = 0; i < DFUD_SMP_SEQ_COUNT; i++) {
		guint8 s = (guint8)(self->next_seq + i);
		DfudSmpPendingSlot *slot = &self->slots[s];

		if (slot->in_use)
			continue;
		slot->in_use = TRUE;
		slot->entry.seq = s;
		slot->entry.group = group;
		slot->entry.id = id;
		slot->entry.op = op;
		slot->entry.user_data = user_data;
		self->count++;
		self->next_seq = (guint8)(s + 1);
		*seq = s;
		return TRUE;
	}
	g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_BUSY,
			    "all 256 SMP sequence numbers are in flight");
	return FALSE;
}

const DfudSmpPendingEntry *
dfud_smp_pending_lookup(DfudSmpPending *self, guint8 seq)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->slots[seq].in_use ? &self->slots[seq].entry : NULL;
}

/* Finds the request a response header answers. The entry stays registered: the caller
 * removes or steals it once it has dealt with the response. */
const DfudSmpPendingEntry *
dfud_smp_pending_match(DfudSmpPending *self, const DfudSmpHeader *rsp, GError **error)
{
	const DfudSmpPendingEntry *entry;
	g_autofree gchar *expected = NULL;

	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(rsp != NULL, NULL);

	entry = dfud_smp_pending_lookup(self, rsp->seq);
	if (entry == NULL) {
		g_autofree gchar *what = dfud_smp_command_describe(rsp->group, rsp->id, rsp->op);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "response seq %u (%s) matches no request in flight "
			    "(stale or duplicate response)",
			    rsp->seq, what);
		return NULL;
	}
	expected = dfud_smp_command_describe(entry->group, entry->id, entry->op);
	if (rsp->group != entry->group || rsp->id != entry->id) {
		g_autofree gchar *what = dfud_smp_command_describe(rsp->group, rsp->id, rsp->op);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "response seq %u is for %s (group %u, id %u) but the request was %s "
			    "(group %u, id %u)",
			    rsp->seq, what, rsp->group, rsp->id, expected, entry->group, entry->id);
		return NULL;
	}
	if (rsp->op != dfud_smp_op_response_for(entry->op)) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "response seq %u to %s has op %u (%s), expected %u (%s)", rsp->seq,
			    expected, rsp->op, dfud_smp_op_name(rsp->op),
			    dfud_smp_op_response_for(entry->op),
			    dfud_smp_op_name(dfud_smp_op_response_for(entry->op)));
		return NULL;
	}
	return entry;
}

/* Removes an entry and returns its user data to the caller (NULL if seq is not in flight). */
gpointer
dfud_smp_pending_steal(DfudSmpPending *self, guint8 seq)
{
	DfudSmpPendingSlot *slot;
	gpointer user_data;

	g_return_val_if_fail(self != NULL, NULL);

	slot = &self->slots[seq];
	if (!slot->in_use)
		return NULL;
	user_data = slot->entry.user_data;
	slot->in_use = FALSE;
	slot->entry.user_data = NULL;
	self->count--;
	return user_data;
}

/* Removes (cancels) an entry, freeing its user data; FALSE if seq was not in flight. */
gboolean
dfud_smp_pending_remove(DfudSmpPending *self, guint8 seq)
{
	gpointer user_data;

	g_return_val_if_fail(self != NULL, FALSE);

	if (!self->slots[seq].in_use)
		return FALSE;
	user_data = dfud_smp_pending_steal(self, seq);
	if (self->user_data_free != NULL && user_data != NULL)
		self->user_data_free(user_data);
	return TRUE;
}

void
dfud_smp_pending_clear(DfudSmpPending *self)
{
	g_return_if_fail(self != NULL);

	for (guint i = 0; i < DFUD_SMP_SEQ_COUNT && self->count > 0; i++)
		dfud_smp_pending_remove(self, (guint8)i);
}

guint
dfud_smp_pending_count(DfudSmpPending *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->count;
}

/* Calls func for every entry in flight, in seq order; func must not change the table. */
void
dfud_smp_pending_foreach(DfudSmpPending *self, DfudSmpPendingFunc func, gpointer data)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(func != NULL);

	for (guint i = 0; i < DFUD_SMP_SEQ_COUNT; i++) {
		if (self->slots[i].in_use)
			func(&self->slots[i].entry, data);
	}
}
