/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudScan"

#include "config.h"

#include <string.h>

#include "dd-scan.h"

#include "dfud-error.h"
#include "transport/bluez/dfud-ble-scan.h"

/* BlueZ's RSSI range (an int16 of the HCI's int8), so a floor outside it is a mistake */
#define RSSI_MIN -127
#define RSSI_MAX 20
/* a name pattern no longer than the longest LE name (248 bytes) plus a few wildcards */
#define PATTERN_MAX 256

typedef struct {
	DdBluezWatch *watch;
	guint duration_s;
	gchar *adapter; /* "hci0" or NULL for all */
	GPatternSpec *name;
	gboolean has_rssi;
	gint16 rssi;
	GPtrArray *scans; /* DfudBleScan, one per adapter */
	guint timer;
	gulong cancel_id;
} Run;

static void
run_free(Run *run)
{
	g_clear_handle_id(&run->timer, g_source_remove);
	g_clear_pointer(&run->scans, g_ptr_array_unref);
	g_clear_pointer(&run->name, g_pattern_spec_free);
	g_free(run->adapter);
	g_clear_object(&run->watch);
	g_free(run);
}

static gboolean
parse_options(Run *run, GVariant *options, GError **error)
{
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	run->duration_s = DD_SCAN_DEFAULT_S;
	g_variant_iter_init(&iter, options);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autoptr(GVariant) v = value;

		if (g_strcmp0(key, "duration") == 0 &&
		    g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32)) {
			run->duration_s = g_variant_get_uint32(v);
			if (run->duration_s >= 1 && run->duration_s <= DD_SCAN_MAX_S)
				continue;
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "duration %u s: 1 to %u s", run->duration_s, DD_SCAN_MAX_S);
			return FALSE;
		}
		if (g_strcmp0(key, "adapter") == 0 &&
		    g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) && run->adapter == NULL) {
			const gchar *name = g_variant_get_string(v, NULL);

			if (g_str_has_prefix(name, "hci") && strlen(name) <= 8 &&
			    strspn(name + 3, "0123456789") == strlen(name + 3) && name[3] != '\0') {
				run->adapter = g_strdup(name);
				continue;
			}
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "adapter \"%s\": a name like hci0 is expected", name);
			return FALSE;
		}
		if (g_strcmp0(key, "name") == 0 && g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) &&
		    run->name == NULL) {
			gsize len = 0;
			const gchar *pattern = g_variant_get_string(v, &len);

			if (len <= PATTERN_MAX) {
				run->name = g_pattern_spec_new(pattern);
				continue;
			}
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "name pattern of %" G_GSIZE_FORMAT " bytes: %u at most", len,
				    PATTERN_MAX);
			return FALSE;
		}
		if (g_strcmp0(key, "rssi") == 0 && g_variant_is_of_type(v, G_VARIANT_TYPE_INT16)) {
			run->rssi = g_variant_get_int16(v);
			run->has_rssi = TRUE;
			if (run->rssi >= RSSI_MIN && run->rssi <= RSSI_MAX)
				continue;
			g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
				    "rssi %d dBm: %d to %d", run->rssi, RSSI_MIN, RSSI_MAX);
			return FALSE;
		}
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "unknown, repeated or bad option \"%s\" (Scan takes \"duration\" (u), "
			    "\"adapter\" (s), \"name\" (s) and \"rssi\" (n))",
			    key);
		return FALSE;
	}
	return TRUE;
}

/* one shared discovery session per adapter asked for */
static gboolean
start_scans(Run *run, GError **error)
{
	g_auto(GStrv) adapters = dd_bluez_watch_get_adapters(run->watch);
	g_autofree gchar *wanted =
	    run->adapter != NULL ? g_strconcat("/org/bluez/", run->adapter, NULL) : NULL;

	run->scans = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_ble_scan_free);
	for (guint i = 0; adapters[i] != NULL; i++) {
		g_autoptr(GDBusProxy) proxy = NULL;

		if (wanted != NULL && g_strcmp0(wanted, adapters[i]) != 0)
			continue;
		proxy = dd_bluez_watch_get_adapter(run->watch, adapters[i]);
		if (proxy != NULL)
			g_ptr_array_add(run->scans, dfud_ble_scan_start(proxy));
	}
	if (run->scans->len > 0)
		return TRUE;
	if (run->adapter != NULL)
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "no adapter %s (not present, or not one of dfud.conf's Adapters)",
			    run->adapter);
	else
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND,
			    "no Bluetooth adapter (bluetoothd not running, no adapter present, or "
			    "none of dfud.conf's Adapters)");
	return FALSE;
}

static gboolean
wanted(Run *run, const DdBluezSeen *seen)
{
	if (run->adapter != NULL && g_strcmp0(run->adapter, seen->adapter) != 0)
		return FALSE;
	if (run->name != NULL && !g_pattern_spec_match_string(run->name, seen->name))
		return FALSE;
	/* a floor leaves out what was not heard in this discovery (no RSSI) */
	if (run->has_rssi && (!seen->has_rssi || seen->rssi < run->rssi))
		return FALSE;
	return TRUE;
}

static gint
compare_seen(gconstpointer a, gconstpointer b)
{
	const DdBluezSeen *sa = *(DdBluezSeen *const *)a;
	const DdBluezSeen *sb = *(DdBluezSeen *const *)b;
	gint c = g_strcmp0(sa->adapter, sb->adapter);

	return c != 0 ? c : g_strcmp0(sa->address, sb->address);
}

static void
run_done(GTask *task)
{
	Run *run = g_task_get_task_data(task);
	g_autoptr(GPtrArray) all = dd_bluez_watch_list_devices(run->watch);
	GPtrArray *found = g_ptr_array_new_with_free_func((GDestroyNotify)dd_bluez_seen_free);

	g_clear_handle_id(&run->timer, g_source_remove);
	if (run->cancel_id != 0)
		g_cancellable_disconnect(g_task_get_cancellable(task), run->cancel_id);
	run->cancel_id = 0;
	for (guint i = 0; i < all->len; i++) {
		if (wanted(run, g_ptr_array_index(all, i)))
			g_ptr_array_add(found, g_ptr_array_steal_index_fast(all, i--));
	}
	g_ptr_array_sort(found, compare_seen);
	/* the sessions end (unless a transport still uses one) */
	g_clear_pointer(&run->scans, g_ptr_array_unref);
	g_task_return_pointer(task, found, (GDestroyNotify)g_ptr_array_unref);
}

static gboolean
timer_fired(gpointer user_data)
{
	GTask *task = user_data;
	Run *run = g_task_get_task_data(task);

	run->timer = 0;
	run_done(task);
	g_object_unref(task);
	return G_SOURCE_REMOVE;
}

static gboolean
cancelled_idle(gpointer user_data)
{
	GTask *task = user_data;
	Run *run = g_task_get_task_data(task);

	if (run->timer != 0) {
		run_done(task);
		g_object_unref(task); /* the timer's reference */
	}
	return G_SOURCE_REMOVE;
}

static void
on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	(void)cancellable;
	/* not from inside the cancellable's handler (g_cancellable_disconnect would deadlock) */
	g_idle_add_full(G_PRIORITY_DEFAULT, cancelled_idle, g_object_ref(user_data),
			g_object_unref);
}

void
dd_scan_run_async(DdBluezWatch *watch, GVariant *options, GCancellable *cancellable,
		  GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	Run *run = g_new0(Run, 1);
	GError *error = NULL;

	g_task_set_source_tag(task, dd_scan_run_async);
	g_task_set_task_data(task, run, (GDestroyNotify)run_free);
	if (watch == NULL) {
		g_task_return_new_error(task, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					"dfud does not follow BlueZ (--bluez-bus=none)");
		return;
	}
	run->watch = g_object_ref(watch);
	if (!parse_options(run, options, &error) || !start_scans(run, &error)) {
		g_task_return_error(task, error);
		return;
	}
	g_info("discovering for %u s on %u adapter%s", run->duration_s, run->scans->len,
	       run->scans->len == 1 ? "" : "s");
	run->timer = g_timeout_add_seconds(run->duration_s, timer_fired, g_object_ref(task));
	if (cancellable != NULL)
		run->cancel_id =
		    g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled), task, NULL);
}

GPtrArray *
dd_scan_run_finish(GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}
