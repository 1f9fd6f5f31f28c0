/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "HbTarget"

#include "config.h"

#include "dfud-error.h"
#include "hb-target-private.h"

/* a poll is jittered by ±JITTER_PERCENT of its interval, so that targets do not align */
#define JITTER_PERCENT 10
/* configData waits this long for the device's properties to settle */
#define CONFIG_SETTLE_S 2

static void target_schedule(HbTarget *t, guint seconds);
static void target_stop(HbTarget *t);
static void device_changed_cb(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
			      gpointer user_data);

typedef struct {
	gchar *url;
	JsonNode *body;
	gboolean progress; /* a proceeding one: replaced by a newer one still waiting */
} Feedback;

static void
feedback_free(Feedback *f)
{
	g_free(f->url);
	json_node_unref(f->body);
	g_free(f);
}

const gchar *
hb_target_controller_id(HbTarget *t)
{
	return t->controller_id;
}

gchar *
hb_target_url(HbTarget *t, const gchar *suffix)
{
	return g_strconcat(t->base_url, suffix, NULL);
}

/* hawkBit's controller ids: letters, digits and - _ . : (others become -), at most 64 */
gchar *
hb_target_make_controller_id(const HbConfig *config, DfudDbusDevice *device,
			     const gchar *object_path)
{
	const gchar *address = dfud_dbus_device_get_address(device);
	const gchar *name = dfud_dbus_device_get_name(device);
	const gchar *object =
	    strrchr(object_path, '/') != NULL ? strrchr(object_path, '/') + 1 : object_path;
	g_autoptr(GString) id = g_string_new(config->controller_id);

	if ((strstr(id->str, "{name}") != NULL && (name == NULL || name[0] == '\0')) ||
	    (strstr(id->str, "{address}") != NULL && (address == NULL || address[0] == '\0')))
		return NULL;
	g_string_replace(id, "{address}", address != NULL ? address : "", 0);
	g_string_replace(id, "{name}", name != NULL ? name : "", 0);
	g_string_replace(id, "{object}", object, 0);
	g_string_replace(id, "{prefix}", config->prefix, 0);
	for (gsize i = 0; i < id->len; i++) {
		gchar c = id->str[i];
		if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
			id->str[i] = '-';
	}
	if (id->len == 0 || id->len > 64)
		return NULL;
	return g_string_free(g_steal_pointer(&id), FALSE);
}

HbTarget *
hb_target_new(HbConnector *connector, DfudDbusDevice *device, const gchar *controller_id,
	      GError **error)
{
	HbTarget *t = g_new0(HbTarget, 1);
	g_autofree gchar *escaped = g_uri_escape_string(controller_id, NULL, FALSE);
	g_autofree gchar *tenant = g_uri_escape_string(connector->config->tenant, NULL, FALSE);

	t->ref = 1;
	t->connector = connector;
	connector->live_targets++;
	t->device = g_object_ref(device);
	t->device_handler =
	    g_signal_connect(device, "g-properties-changed", G_CALLBACK(device_changed_cb), t);
	t->device_path = g_strdup(g_dbus_proxy_get_object_path(G_DBUS_PROXY(device)));
	t->controller_id = g_strdup(controller_id);
	t->base_url =
	    g_strdup_printf("%s/%s/controller/v1/%s", connector->config->url, tenant, escaped);
	t->journal = hb_journal_load(connector->config->state_dir, controller_id, error);
	if (t->journal == NULL) {
		hb_target_unref(t);
		return NULL;
	}
	g_message("%s: target %s%s%s", t->device_path, controller_id,
		  t->journal->stage != HB_STAGE_NONE ? ", action " : "",
		  t->journal->stage != HB_STAGE_NONE ? t->journal->action_id : "");
	/* first polls spread over StartSpread, so that a thousand targets do not start at once */
	target_schedule(t, connector->config->start_spread > 0
			       ? g_random_int_range(0, (gint32)connector->config->start_spread + 1)
			       : 0);
	if (t->journal->stage == HB_STAGE_UPDATING)
		hb_action_resume(t);
	return t;
}

HbTarget *
hb_target_ref(HbTarget *t)
{
	t->ref++;
	return t;
}

void
hb_target_unref(HbTarget *t)
{
	if (t == NULL || --t->ref > 0)
		return;
	t->connector->live_targets--;
	g_clear_handle_id(&t->poll_id, g_source_remove);
	hb_action_drop(t);
	g_queue_clear_full(&t->feedback, (GDestroyNotify)feedback_free);
	target_stop(t);
	g_clear_object(&t->device);
	g_free(t->device_path);
	g_free(t->controller_id);
	g_free(t->base_url);
	hb_journal_free(t->journal);
	g_free(t->config_sent);
	g_free(t->cancel_answered);
	g_free(t->fetching);
	g_free(t->waiting_for);
	g_free(t->installed_checked);
	g_free(t->installed_action);
	g_free(t->installed_state);
	g_free(t);
}

static void
target_stop(HbTarget *t)
{
	g_clear_handle_id(&t->config_id, g_source_remove);
	if (t->device != NULL)
		g_clear_signal_handler(&t->device_handler, t->device);
}

void
hb_target_remove(HbTarget *t)
{
	t->removed = TRUE;
	target_stop(t);
	g_clear_handle_id(&t->poll_id, g_source_remove);
	hb_action_drop(t);
}

void
hb_target_save(HbTarget *t)
{
	g_autoptr(GError) error = NULL;

	if (!hb_journal_save(t->journal, &error))
		g_warning("%s: %s", t->controller_id, error->message);
}

static void feedback_next(HbTarget *t);

static void
feedback_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;

	t->feedback_busy = FALSE;
	if (!hb_http_finish(res, &error))
		g_message("%s: feedback not taken: %s", t->controller_id, error->message);
	if (!t->removed)
		feedback_next(t);
}

/*
 * one feedback of a target at a time, in order, the final one last: the server must not
 * get a proceeding after the closed of the same action
 */
static void
feedback_next(HbTarget *t)
{
	Feedback *f;

	if (t->feedback_busy)
		return;
	f = g_queue_pop_head(&t->feedback);
	if (f == NULL) {
		hb_action_send_closing(t);
		return;
	}
	t->feedback_busy = TRUE;
	hb_http_json_async(t->connector->http, "POST", f->url, t->controller_id, f->body,
			   t->connector->cancellable, feedback_cb, hb_target_ref(t));
	feedback_free(f);
}

static void target_feedback(HbTarget *t, const gchar *resource, const gchar *id,
			    const gchar *execution, const gchar *finished, guint cnt, guint of,
			    const gchar *const *details, gboolean replaceable);

void
hb_target_feedback(HbTarget *t, const gchar *resource, const gchar *id, const gchar *execution,
		   const gchar *finished, guint cnt, guint of, const gchar *const *details)
{
	target_feedback(t, resource, id, execution, finished, cnt, of, details, FALSE);
}

void
hb_target_progress(HbTarget *t, const gchar *id, guint percent, const gchar *const *details)
{
	target_feedback(t, "deploymentBase", id, "proceeding", "none", percent, 100, details, TRUE);
}

static void
target_feedback(HbTarget *t, const gchar *resource, const gchar *id, const gchar *execution,
		const gchar *finished, guint cnt, guint of, const gchar *const *details,
		gboolean replaceable)
{
	g_autofree gchar *suffix = g_strdup_printf("/%s/%s/feedback", resource, id);
	Feedback *f = g_new0(Feedback, 1);
	Feedback *last = g_queue_peek_tail(&t->feedback);

	g_debug("%s: %s %s %s/%s", t->controller_id, resource, id, execution, finished);
	f->url = hb_target_url(t, suffix);
	f->body = hb_ddi_feedback(id, execution, finished, cnt, of, details);
	f->progress = replaceable;
	if (last != NULL && last->progress && f->progress && g_str_equal(last->url, f->url))
		feedback_free(g_queue_pop_tail(&t->feedback));
	if (g_queue_get_length(&t->feedback) >= HB_TARGET_MAX_FEEDBACK) {
		g_message("%s: %u feedbacks waiting: the oldest is dropped", t->controller_id,
			  HB_TARGET_MAX_FEEDBACK);
		feedback_free(g_queue_pop_head(&t->feedback));
	}
	g_queue_push_tail(&t->feedback, f);
	feedback_next(t);
}

gboolean
hb_target_feedback_idle(HbTarget *t)
{
	return !t->feedback_busy && g_queue_is_empty(&t->feedback);
}

/* ---- polling */

static gboolean poll_cb(gpointer user_data);

static void
target_schedule(HbTarget *t, guint seconds)
{
	guint ms = seconds * 1000;

	g_clear_handle_id(&t->poll_id, g_source_remove);
	if (t->removed)
		return;
	if (t->started && seconds > 0) {
		gint32 spread = (gint32)(ms / 100 * JITTER_PERCENT);
		ms = (guint)((gint32)ms + g_random_int_range(-spread, spread + 1));
	}
	t->poll_id = g_timeout_add(ms, poll_cb, t);
}

/* the next poll after an error: RetryInterval doubled per error in a row, at most
 * MaxRetryInterval, never later than the server's own interval */
static guint
target_backoff(HbTarget *t)
{
	const HbConfig *c = t->connector->config;
	guint64 wait = c->retry_interval;

	for (guint i = 1; i < t->errors && wait < c->max_retry_interval; i++)
		wait *= 2;
	wait = MIN(wait, c->max_retry_interval);
	return (guint)wait;
}

typedef struct {
	HbTarget *target;
	gchar *text;
} ConfigPush;

static void
config_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ConfigPush *push = user_data;
	HbTarget *t = push->target;
	g_autoptr(GError) error = NULL;

	hb_http_finish(res, &error);
	t->config_busy = FALSE;
	if (error != NULL) {
		g_message("%s: configData: %s", t->controller_id, error->message);
		g_free(push->text);
	} else {
		g_free(t->config_sent);
		t->config_sent = push->text;
	}
	hb_target_unref(t);
	g_free(push);
}

static void
attributes_add_images(GHashTable *attrs, GVariant *images)
{
	GVariantIter iter;
	GVariant *slot;

	if (images == NULL)
		return;
	g_variant_iter_init(&iter, images);
	while ((slot = g_variant_iter_next_value(&iter)) != NULL) {
		guint32 image = 0;
		gboolean active = FALSE;
		const gchar *version = NULL;
		g_autoptr(GVariant) hash = NULL;

		g_variant_lookup(slot, "image", "u", &image);
		g_variant_lookup(slot, "active", "b", &active);
		g_variant_lookup(slot, "version", "&s", &version);
		hash = g_variant_lookup_value(slot, "hash", G_VARIANT_TYPE_BYTESTRING);
		if (active && image < 8) {
			if (version != NULL)
				g_hash_table_insert(attrs,
						    g_strdup_printf("image%u.version", image),
						    g_strdup(version));
			if (hash != NULL) {
				gsize len = 0;
				const guint8 *h = g_variant_get_fixed_array(hash, &len, 1);
				GString *hex = g_string_new(NULL);
				for (gsize i = 0; i < len && i < 64; i++)
					g_string_append_printf(hex, "%02x", h[i]);
				g_hash_table_insert(attrs, g_strdup_printf("image%u.hash", image),
						    g_string_free(hex, FALSE));
			}
		}
		g_variant_unref(slot);
	}
}

/* the device's attributes for configData: what dfud says of it, as last read from it */
static GHashTable *
target_attributes(HbTarget *t)
{
	GHashTable *attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	DfudDbusDevice *d = t->device;
	g_autoptr(GVariant) last = dfud_dbus_device_dup_last_update(d);
	const gchar *mode = dfud_dbus_device_get_bootloader_mode(d);
	const gchar *result = NULL;

#define ATTR(k, v)                                                                                 \
	do {                                                                                       \
		const gchar *v_ = (v);                                                             \
		if (v_ != NULL && v_[0] != '\0')                                                   \
			g_hash_table_insert(attrs, g_strdup(k), g_strndup(v_, 128));               \
	} while (0)
	ATTR("dfud.uri", dfud_dbus_device_get_uri(d));
	ATTR("dfud.address", dfud_dbus_device_get_address(d));
	ATTR("dfud.name", dfud_dbus_device_get_name(d));
	ATTR("dfud.transport", dfud_dbus_device_get_transport(d));
	ATTR("dfud.bootloader-mode", mode);
	if (last != NULL && g_variant_lookup(last, "result", "&s", &result))
		ATTR("dfud.last-result", result);
	ATTR("dfud.installed-action", t->installed_action);
	ATTR("dfud.installed", t->installed_state);
#undef ATTR
	if (t->mtu > 0)
		g_hash_table_insert(attrs, g_strdup("dfud.mtu"), g_strdup_printf("%u", t->mtu));
	attributes_add_images(attrs, dfud_dbus_device_get_images(d));
	return attrs;
}

/*
 * configData once the device's image state is known (or could not be read), then whenever
 * the attributes change; a server asking again for what it took in this run has it
 */
static void
target_push_config(HbTarget *t)
{
	g_autoptr(GHashTable) attrs = NULL;
	g_autoptr(JsonNode) body = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *url = NULL;
	ConfigPush *push;

	if (t->config_busy || t->removed || !t->images_read)
		return;
	attrs = target_attributes(t);
	body = hb_ddi_config_data(attrs);
	text = json_to_string(body, FALSE);
	if (g_strcmp0(text, t->config_sent) == 0)
		return;
	url = hb_target_url(t, "/configData");
	t->config_busy = TRUE;
	push = g_new0(ConfigPush, 1);
	push->target = hb_target_ref(t);
	push->text = g_steal_pointer(&text);
	hb_http_json_async(t->connector->http, "PUT", url, t->controller_id, body,
			   t->connector->cancellable, config_cb, push);
}

static void images_next(HbConnector *c);

static gboolean
config_due_cb(gpointer user_data)
{
	HbTarget *t = user_data;

	t->config_id = 0;
	target_push_config(t);
	return G_SOURCE_REMOVE;
}

/* the device's properties come in several signals (Images, BootloaderMode, LastUpdate):
 * configData goes once they settled */
static void
target_config_due(HbTarget *t)
{
	if (t->config_id == 0 && !t->removed)
		t->config_id = g_timeout_add_seconds(CONFIG_SETTLE_S, config_due_cb, t);
}

void
hb_target_config_changed(HbTarget *t)
{
	target_config_due(t);
}

static void
device_changed_cb(GDBusProxy *proxy, GVariant *changed, GStrv invalidated, gpointer user_data)
{
	HbTarget *t = user_data;

	if (t->images_read)
		target_config_due(t);
}

static void
images_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) images = NULL;
	HbConnector *c = t->connector;

	c->image_reads--;
	/* read or not, it is not asked again in this run: configData goes with what is known */
	t->images_read = TRUE;
	if (!dfud_dbus_device_call_get_image_state_finish(DFUD_DBUS_DEVICE(source), &images, res,
							  &error)) {
		g_autofree gchar *text = hb_connector_error_text(error);
		g_message("%s: image state not read: %s", t->controller_id, text);
	}
	target_config_due(t);
	images_next(c);
}

static void
images_next(HbConnector *c)
{
	while (c->image_reads < HB_CONNECTOR_MAX_IMAGE_READS &&
	       !g_queue_is_empty(&c->image_waiting)) {
		HbTarget *t = g_queue_pop_head(&c->image_waiting);
		if (t->removed) {
			hb_target_unref(t);
			continue;
		}
		c->image_reads++;
		/* the queue's reference goes to the call */
		dfud_dbus_device_call_get_image_state(t->device, G_DBUS_CALL_FLAGS_NONE, 120000,
						      c->cancellable, images_cb, t);
	}
}

/* a device dfud has not read since it started has no Images: read once, a few devices at a
 * time (over BLE each read is a connection); an update reads them anyway */
static void
target_read_images(HbTarget *t)
{
	GVariant *images = dfud_dbus_device_get_images(t->device);

	if (t->images_read || t->images_queued)
		return;
	if ((images != NULL && g_variant_n_children(images) > 0) || t->job != NULL ||
	    t->journal->stage == HB_STAGE_UPDATING) {
		t->images_read = TRUE;
		return;
	}
	t->images_queued = TRUE;
	g_queue_push_tail(&t->connector->image_waiting, hb_target_ref(t));
	images_next(t->connector);
}

static void
cancel_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = hb_http_json_finish(res, &error);
	g_autofree gchar *stop = NULL;
	g_autofree gchar *id = NULL;

	t->cancel_busy = FALSE;
	if (t->removed)
		return;
	if (answer != NULL) {
		JsonObject *o =
		    JSON_NODE_HOLDS_OBJECT(answer) ? json_node_get_object(answer) : NULL;
		JsonNode *idn = o != NULL ? json_object_get_member(o, "id") : NULL;
		if (idn != NULL && JSON_NODE_HOLDS_VALUE(idn))
			id = json_node_get_value_type(idn) == G_TYPE_STRING
				 ? g_strdup(json_node_get_string(idn))
				 : g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(idn));
		stop = hb_ddi_cancel_parse(answer, error == NULL ? &error : NULL);
	}
	if (stop == NULL || id == NULL) {
		g_message("%s: cancelAction: %s", t->controller_id,
			  error != NULL ? error->message : "no id");
		return;
	}
	hb_action_cancel(t, id, stop);
}

static void
target_base_done(HbTarget *t, HbDdiBase *base)
{
	g_autofree gchar *cancel_id = NULL;

	if (base->sleep > 0)
		t->sleep = MAX(base->sleep, t->connector->config->min_sleep);
	/* the final feedback owed from an earlier try or run goes first */
	if (t->journal->stage == HB_STAGE_CLOSING)
		hb_action_send_closing(t);
	cancel_id = hb_ddi_href_id(base->cancel_href, "cancelAction");
	if (cancel_id != NULL && !t->cancel_busy && g_strcmp0(cancel_id, t->cancel_answered) != 0) {
		t->cancel_busy = TRUE;
		hb_http_json_async(t->connector->http, "GET", base->cancel_href, t->controller_id,
				   NULL, t->connector->cancellable, cancel_cb, hb_target_ref(t));
	} else if (cancel_id == NULL && base->deployment_href != NULL) {
		hb_action_poll(t, base->deployment_href);
	}
	target_read_images(t);
	target_push_config(t);
	if (base->installed_href != NULL)
		hb_installed_poll(t, base->installed_href);
}

static void
base_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HbTarget) t = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = hb_http_json_finish(res, &error);
	g_autoptr(HbDdiBase) base = NULL;

	t->polling = FALSE;
	if (t->removed)
		return;
	if (error == NULL)
		base = hb_ddi_base_parse(answer, &error);
	if (base == NULL) {
		t->errors++;
		g_message("%s: poll %u failed: %s; again in %u s", t->controller_id, t->errors,
			  error->message, target_backoff(t));
		target_schedule(t, target_backoff(t));
		return;
	}
	t->errors = 0;
	target_base_done(t, base);
	target_schedule(t, t->sleep);
}

static gboolean
poll_cb(gpointer user_data)
{
	HbTarget *t = user_data;

	t->poll_id = 0;
	t->started = TRUE;
	if (t->sleep == 0)
		t->sleep = t->connector->config->default_sleep;
	if (t->removed || t->polling)
		return G_SOURCE_REMOVE;
	t->polling = TRUE;
	hb_http_json_async(t->connector->http, "GET", t->base_url, t->controller_id, NULL,
			   t->connector->cancellable, base_cb, hb_target_ref(t));
	return G_SOURCE_REMOVE;
}
