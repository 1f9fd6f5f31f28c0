/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbConnector"

#include "config.h"

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "hb-connector.h"
#include "hb-target.h"

/* how often the counters go to the log (debug) */
#define STATS_INTERVAL_S 60

gchar *
hb_connector_error_text(const GError *error)
{
	g_autofree gchar *name = g_dbus_error_get_remote_error(error);
	g_autoptr(GError) copy = g_error_copy(error);

	g_dbus_error_strip_remote_error(copy);
	if (name == NULL)
		return g_strdup(copy->message);
	return g_strdup_printf("%s: %s", name, copy->message);
}

static void
connector_add(HbConnector *c, GDBusObject *object)
{
	g_autoptr(DfudDbusDevice) device = dfud_dbus_object_get_device(DFUD_DBUS_OBJECT(object));
	const gchar *path = g_dbus_object_get_object_path(object);
	g_autofree gchar *id = NULL;
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	HbTarget *target;

	if (device == NULL || g_hash_table_contains(c->targets, path))
		return;
	id = hb_target_make_controller_id(c->config, device, path);
	if (id == NULL) {
		g_message("%s: no controller id from [Targets] ControllerId=%s (no name or "
			  "address?): not a target",
			  path, c->config->controller_id);
		return;
	}
	g_hash_table_iter_init(&iter, c->targets);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&target)) {
		if (g_strcmp0(hb_target_controller_id(target), id) == 0) {
			g_warning("%s: controller id %s is taken by another device: not a target",
				  path, id);
			return;
		}
	}
	target = hb_target_new(c, device, id, &error);
	if (target == NULL) {
		g_warning("%s: %s", path, error->message);
		return;
	}
	g_hash_table_insert(c->targets, g_strdup(path), target);
}

static void
object_added_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	connector_add(user_data, object);
}

static void
object_removed_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	HbConnector *c = user_data;
	const gchar *path = g_dbus_object_get_object_path(object);
	HbTarget *target = g_hash_table_lookup(c->targets, path);

	if (target == NULL)
		return;
	g_message("%s: gone (target %s)", path, hb_target_controller_id(target));
	g_hash_table_remove(c->targets, path);
}

static void
target_drop(gpointer data)
{
	HbTarget *target = data;
	hb_target_remove(target);
	hb_target_unref(target);
}

static gboolean
stats_cb(gpointer user_data)
{
	HbConnector *c = user_data;
	g_debug("%u targets, %" G_GUINT64_FORMAT " requests sent", g_hash_table_size(c->targets),
		hb_http_requests(c->http));
	return G_SOURCE_CONTINUE;
}

HbConnector *
hb_connector_new(HbConfig *config, GDBusConnection *bus, GError **error)
{
	g_autoptr(HbConnector) c = g_new0(HbConnector, 1);
	g_autoptr(GError) local = NULL;
	GList *objects;

	c->config = config;
	c->bus = g_object_ref(bus);
	c->cancellable = g_cancellable_new();
	g_queue_init(&c->update_waiting);
	g_queue_init(&c->image_waiting);
	c->targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, target_drop);
	c->http = hb_http_new(config, error);
	if (c->http == NULL)
		return NULL;
	c->cache = hb_cache_new(c->http, config, error);
	if (c->cache == NULL)
		return NULL;
	c->manager = dfud_dbus_object_manager_client_new_sync(
	    bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, DFUD_DBUS_NAME,
	    DFUD_DBUS_PATH, NULL, &local);
	if (c->manager != NULL)
		c->root =
		    dfud_dbus_manager_proxy_new_sync(bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
						     DFUD_DBUS_NAME, DFUD_DBUS_PATH, NULL, &local);
	if (c->manager == NULL || c->root == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_FAILED, "dfud's objects: %s",
			    local->message);
		return NULL;
	}
	g_signal_connect(c->manager, "object-added", G_CALLBACK(object_added_cb), c);
	g_signal_connect(c->manager, "object-removed", G_CALLBACK(object_removed_cb), c);
	objects = g_dbus_object_manager_get_objects(c->manager);
	for (GList *l = objects; l != NULL; l = l->next)
		connector_add(c, l->data);
	g_list_free_full(objects, g_object_unref);
	c->stats_id = g_timeout_add_seconds(STATS_INTERVAL_S, stats_cb, c);
	return g_steal_pointer(&c);
}

void
hb_connector_free(HbConnector *c)
{
	if (c == NULL)
		return;
	g_clear_handle_id(&c->stats_id, g_source_remove);
	if (c->manager != NULL)
		g_signal_handlers_disconnect_by_data(c->manager, c);
	if (c->targets != NULL)
		g_hash_table_unref(c->targets);
	g_queue_clear_full(&c->update_waiting, (GDestroyNotify)hb_target_unref);
	g_queue_clear_full(&c->image_waiting, (GDestroyNotify)hb_target_unref);
	/* what is in flight ends cancelled, and its callback lets go of its target */
	g_cancellable_cancel(c->cancellable);
	if (c->cache != NULL)
		hb_cache_stop(c->cache);
	if (c->http != NULL)
		soup_session_abort(hb_http_session(c->http));
	{
		gint64 deadline = g_get_monotonic_time() + HB_CONNECTOR_DRAIN_S * G_USEC_PER_SEC;
		while ((c->live_targets > 0 || (c->cache != NULL && hb_cache_busy(c->cache))) &&
		       g_get_monotonic_time() < deadline) {
			if (!g_main_context_iteration(NULL, FALSE))
				g_usleep(1000);
		}
		if (c->live_targets > 0)
			g_warning("%u targets still busy after %d s", c->live_targets,
				  HB_CONNECTOR_DRAIN_S);
	}
	g_clear_object(&c->cancellable);
	g_clear_object(&c->root);
	g_clear_object(&c->manager);
	hb_cache_free(c->cache);
	hb_http_free(c->http);
	/* libsoup ends its own connection tasks from idle callbacks once the session is gone */
	for (guint i = 0; i < 100 && g_main_context_iteration(NULL, FALSE); i++)
		;
	g_clear_object(&c->bus);
	g_free(c);
}
