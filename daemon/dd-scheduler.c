/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudScheduler"

#include "config.h"

#include "dd-scheduler.h"
#include "dfud-error.h"

struct _DdSlot {
	DdScheduler *scheduler; /* strong */
	gchar *adapter;		/* NULL: no adapter */
};

typedef struct {
	gchar *adapter;
	gulong cancel_id;
} DdWaiter;

struct _DdScheduler {
	GObject parent_instance;
	guint max_total;
	guint max_per_adapter;
	guint in_use;
	GHashTable *per_adapter; /* adapter -> GUINT_TO_POINTER(count) */
	GQueue waiters;		 /* of GTask, task data DdWaiter */
	guint serve_id;
};

G_DEFINE_TYPE(DdScheduler, dd_scheduler, G_TYPE_OBJECT)

static void
dd_waiter_free(gpointer data)
{
	DdWaiter *waiter = data;
	g_free(waiter->adapter);
	g_free(waiter);
}

static guint
adapter_count(DdScheduler *self, const gchar *adapter)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(self->per_adapter, adapter));
}

static gboolean
has_room(DdScheduler *self, const gchar *adapter)
{
	if (self->in_use >= self->max_total)
		return FALSE;
	return adapter == NULL || adapter_count(self, adapter) < self->max_per_adapter;
}

static DdSlot *
take_slot(DdScheduler *self, const gchar *adapter)
{
	DdSlot *slot = g_new0(DdSlot, 1);

	slot->scheduler = g_object_ref(self);
	slot->adapter = g_strdup(adapter);
	self->in_use++;
	if (adapter != NULL)
		g_hash_table_insert(self->per_adapter, g_strdup(adapter),
				    GUINT_TO_POINTER(adapter_count(self, adapter) + 1));
	return slot;
}

static void
serve_waiters(DdScheduler *self)
{
	for (GList *l = self->waiters.head; l != NULL && self->in_use < self->max_total;) {
		GTask *task = l->data;
		DdWaiter *waiter = g_task_get_task_data(task);
		GList *next = l->next;

		if (has_room(self, waiter->adapter)) {
			GCancellable *cancellable = g_task_get_cancellable(task);
			g_queue_delete_link(&self->waiters, l);
			if (cancellable != NULL && waiter->cancel_id != 0)
				g_cancellable_disconnect(cancellable, waiter->cancel_id);
			waiter->cancel_id = 0;
			g_task_return_pointer(task, take_slot(self, waiter->adapter),
					      (GDestroyNotify)dd_slot_release);
			g_object_unref(task);
		}
		l = next;
	}
}

static gboolean
serve_idle_cb(gpointer user_data)
{
	DdScheduler *self = user_data;

	self->serve_id = 0;
	serve_waiters(self);
	return G_SOURCE_REMOVE;
}

static void
schedule_serve(DdScheduler *self)
{
	if (self->serve_id == 0 && self->waiters.length > 0)
		self->serve_id = g_idle_add_full(G_PRIORITY_DEFAULT, serve_idle_cb,
						 g_object_ref(self), g_object_unref);
}

void
dd_slot_release(DdSlot *slot)
{
	DdScheduler *self;

	if (slot == NULL)
		return;
	self = slot->scheduler;
	self->in_use--;
	if (slot->adapter != NULL) {
		guint count = adapter_count(self, slot->adapter);
		if (count <= 1)
			g_hash_table_remove(self->per_adapter, slot->adapter);
		else
			g_hash_table_insert(self->per_adapter, g_strdup(slot->adapter),
					    GUINT_TO_POINTER(count - 1));
	}
	schedule_serve(self);
	g_free(slot->adapter);
	g_object_unref(self);
	g_free(slot);
}

static gboolean
cancelled_idle_cb(gpointer user_data)
{
	GTask *task = user_data;
	DdScheduler *self = g_task_get_source_object(task);
	GList *link = g_queue_find(&self->waiters, task);

	/* already served: the slot went to the caller, nothing to undo */
	if (link == NULL)
		return G_SOURCE_REMOVE;
	g_queue_delete_link(&self->waiters, link);
	g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
				"cancelled while waiting for a connection slot");
	g_object_unref(task);
	return G_SOURCE_REMOVE;
}

static void
waiter_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	/* the cancellable's lock is held here: finish from an idle */
	g_idle_add_full(G_PRIORITY_DEFAULT, cancelled_idle_cb, g_object_ref(user_data),
			g_object_unref);
}

void
dd_scheduler_acquire_async(DdScheduler *self, const gchar *adapter,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);
	DdWaiter *waiter = g_new0(DdWaiter, 1);

	g_task_set_source_tag(task, dd_scheduler_acquire_async);
	g_task_set_check_cancellable(task, FALSE);
	waiter->adapter = g_strdup(adapter);
	g_task_set_task_data(task, waiter, dd_waiter_free);
	if (g_cancellable_is_cancelled(cancellable)) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"cancelled while waiting for a connection slot");
		g_object_unref(task);
		return;
	}
	/* the queue holds the task's reference; first come, first served */
	g_queue_push_tail(&self->waiters, task);
	if (cancellable != NULL)
		waiter->cancel_id = g_cancellable_connect(cancellable,
							  G_CALLBACK(waiter_cancelled_cb), task,
							  NULL);
	schedule_serve(self);
}

DdSlot *
dd_scheduler_acquire_finish(DdScheduler *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}

guint
dd_scheduler_get_in_use(DdScheduler *self)
{
	return self->in_use;
}

guint
dd_scheduler_get_waiting(DdScheduler *self)
{
	return self->waiters.length;
}

static void
dd_scheduler_dispose(GObject *object)
{
	DdScheduler *self = DD_SCHEDULER(object);

	g_clear_handle_id(&self->serve_id, g_source_remove);
	while (self->waiters.length > 0) {
		GTask *task = g_queue_pop_head(&self->waiters);
		DdWaiter *waiter = g_task_get_task_data(task);
		GCancellable *cancellable = g_task_get_cancellable(task);
		if (cancellable != NULL && waiter->cancel_id != 0)
			g_cancellable_disconnect(cancellable, waiter->cancel_id);
		waiter->cancel_id = 0;
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_CANCELLED,
					"the daemon is stopping");
		g_object_unref(task);
	}
	G_OBJECT_CLASS(dd_scheduler_parent_class)->dispose(object);
}

static void
dd_scheduler_finalize(GObject *object)
{
	DdScheduler *self = DD_SCHEDULER(object);

	g_hash_table_unref(self->per_adapter);
	G_OBJECT_CLASS(dd_scheduler_parent_class)->finalize(object);
}

static void
dd_scheduler_class_init(DdSchedulerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = dd_scheduler_dispose;
	object_class->finalize = dd_scheduler_finalize;
}

static void
dd_scheduler_init(DdScheduler *self)
{
	self->per_adapter = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&self->waiters);
}

DdScheduler *
dd_scheduler_new(guint max_total, guint max_per_adapter)
{
	DdScheduler *self = g_object_new(DD_TYPE_SCHEDULER, NULL);

	self->max_total = MAX(max_total, 1);
	self->max_per_adapter = MAX(max_per_adapter, 1);
	return self;
}
