/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Hands out connection slots: at most max_total links open at once, and at most
 * max_per_adapter on one BLE adapter. Waiters are served first come, first served, except that
 * a waiter whose adapter is full does not hold up one whose adapter has room.
 */
typedef struct _DdSlot DdSlot;

#define DD_TYPE_SCHEDULER (dd_scheduler_get_type())
G_DECLARE_FINAL_TYPE(DdScheduler, dd_scheduler, DD, SCHEDULER, GObject)

DdScheduler *dd_scheduler_new(guint max_total, guint max_per_adapter);
/* @adapter: "hci0", "" for a BLE link on any adapter, NULL for links with no adapter (UDP) */
void dd_scheduler_acquire_async(DdScheduler *self, const gchar *adapter,
				GCancellable *cancellable, GAsyncReadyCallback callback,
				gpointer user_data);
DdSlot *dd_scheduler_acquire_finish(DdScheduler *self, GAsyncResult *res, GError **error);
guint dd_scheduler_get_in_use(DdScheduler *self);
guint dd_scheduler_get_waiting(DdScheduler *self);

/* gives the slot back (and serves the next waiter from an idle callback) */
void dd_slot_release(DdSlot *slot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DdSlot, dd_slot_release)

G_END_DECLS
