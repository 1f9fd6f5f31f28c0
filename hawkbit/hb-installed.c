/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server's installedBase, checked against the device: what the last successful action
 * installed is read from its artifacts (through the cache and dfud's package reader) and
 * compared with the image hashes the device reports. The result goes to configData
 * (dfud.installed-action, dfud.installed): DDI takes no feedback on a closed action, and
 * nothing is applied from it, ever.
 */
#define G_LOG_DOMAIN "HbInstalled"

#include "config.h"

#include "dfud-error.h"
#include "dfud-package.h"
#include "hb-package.h"
#include "hb-target-private.h"

typedef struct {
	HbTarget *target;
	gchar *id;
	HbDdiDeployment *deployment;
	GPtrArray *paths;
	GPtrArray *sha256s;
} Check;

static void
check_free(Check *c)
{
	for (guint i = 0; i < c->sha256s->len; i++)
		hb_cache_release(c->target->connector->cache, g_ptr_array_index(c->sha256s, i));
	c->target->installed_busy = FALSE;
	hb_target_unref(c->target);
	g_free(c->id);
	hb_ddi_deployment_free(c->deployment);
	g_ptr_array_unref(c->paths);
	g_ptr_array_unref(c->sha256s);
	g_free(c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Check, check_free)

static void
check_report(Check *c, const gchar *state)
{
	HbTarget *t = c->target;

	g_message("%s: installedBase action %s: %s%s", t->controller_id, c->id, state,
		  hb_journal_is_closed(t->journal, c->id) ? " (closed by this connector)" : "");
	g_free(t->installed_action);
	t->installed_action = g_strdup(c->id);
	g_free(t->installed_state);
	t->installed_state = g_strdup(state);
	hb_target_config_changed(t);
}

static gchar *
short_hex(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *p = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;
	GString *out = g_string_new(NULL);

	for (gsize i = 0; i < len && i < 4; i++)
		g_string_append_printf(out, "%02x", p[i]);
	return g_string_free(out, FALSE);
}

/* the active image @index of the device reports, with its hash, or NULL */
static GBytes *
device_active_hash(GVariant *images, guint index)
{
	GVariantIter iter;
	GVariant *slot;

	g_variant_iter_init(&iter, images);
	while ((slot = g_variant_iter_next_value(&iter)) != NULL) {
		g_autoptr(GVariant) s = slot;
		g_autoptr(GVariant) hash = NULL;
		guint32 image = 0;
		gboolean active = FALSE;

		g_variant_lookup(s, "image", "u", &image);
		g_variant_lookup(s, "active", "b", &active);
		hash = g_variant_lookup_value(s, "hash", G_VARIANT_TYPE_BYTESTRING);
		if (image == index && active && hash != NULL)
			return g_variant_get_data_as_bytes(hash);
	}
	return NULL;
}

/* "runs it", or what differs: every image of the package must be the active one */
static gchar *
check_compare(DfudPackage *package, GVariant *images)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *e = g_ptr_array_index(entries, i);
		DfudImageRole role = dfud_package_entry_get_role(e);
		guint index = dfud_package_entry_get_image_index(e);
		g_autoptr(GBytes) running = NULL;
		g_autofree gchar *want = NULL;
		g_autofree gchar *have = NULL;
		gboolean found = FALSE;

		if (role == DFUD_IMAGE_ROLE_MCUBOOT_S0 || role == DFUD_IMAGE_ROLE_MCUBOOT_S1)
			return g_strdup("unknown: an upgradable MCUboot is not in the device's "
					"image list");
		running = device_active_hash(images, index);
		/* direct-XIP: either slot's build of the image */
		for (guint j = 0; j < entries->len && running != NULL && !found; j++) {
			DfudPackageEntry *o = g_ptr_array_index(entries, j);
			GBytes *hash = dfud_image_get_hash(dfud_package_entry_get_image(o));
			found = dfud_package_entry_get_image_index(o) == index && hash != NULL &&
				g_bytes_equal(hash, running);
		}
		if (found)
			continue;
		want = short_hex(dfud_image_get_hash(dfud_package_entry_get_image(e)));
		have = short_hex(running);
		return g_strdup_printf("not running: image %u is %s, the action installed %s",
				       index, running != NULL ? have : "not active", want);
	}
	return g_strdup("running");
}

static void check_next(Check *c);

static void
check_done(Check *c)
{
	HbTarget *t = c->target;
	GVariant *images = dfud_dbus_device_get_images(t->device);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autofree gchar *state = NULL;

	if (c->deployment->artifacts->len > 1) {
		bytes = hb_package_assemble(c->deployment, c->paths, &error);
	} else {
		g_autoptr(GMappedFile) map =
		    g_mapped_file_new(g_ptr_array_index(c->paths, 0), FALSE, &error);
		if (map != NULL)
			bytes = g_mapped_file_get_bytes(map);
	}
	if (bytes != NULL)
		package = dfud_package_new_from_bytes(bytes, &error);
	if (package == NULL) {
		g_autofree gchar *text = hb_package_error_text(error);
		state = g_strdup_printf("unknown: %s", text);
	} else if (images == NULL || g_variant_n_children(images) == 0) {
		state = g_strdup("unknown: the device's images could not be read");
	} else {
		state = check_compare(package, images);
	}
	check_report(c, state);
}

static void
check_fetch_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(Check) c = user_data;
	g_autoptr(GError) error = NULL;
	gchar *path = hb_cache_fetch_finish(res, &error);
	HbDdiArtifact *a = g_ptr_array_index(c->deployment->artifacts, c->paths->len);

	if (c->target->removed) {
		if (path != NULL)
			hb_cache_release(c->target->connector->cache, a->sha256);
		g_free(path);
		return;
	}
	if (path == NULL) {
		g_autofree gchar *state =
		    g_strdup_printf("unknown: %s: %s", a->filename, error->message);
		check_report(c, state);
		return;
	}
	g_ptr_array_add(c->paths, path);
	g_ptr_array_add(c->sha256s, g_strdup(a->sha256));
	if (c->paths->len < c->deployment->artifacts->len)
		check_next(g_steal_pointer(&c));
	else
		check_done(c);
}

static void
check_next(Check *c)
{
	HbDdiArtifact *a = g_ptr_array_index(c->deployment->artifacts, c->paths->len);
	hb_cache_fetch_async(c->target->connector->cache, a, c->target->controller_id,
			     check_fetch_cb, c);
}

static void
installed_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(Check) c = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) answer = hb_http_json_finish(res, &error);

	if (c->target->removed)
		return;
	if (error != NULL && !g_error_matches(error, DFUD_ERROR, DFUD_ERROR_PROTOCOL)) {
		/* the network or the server: asked again at the next poll */
		g_message("%s: installedBase: %s", c->target->controller_id, error->message);
		return;
	}
	if (error == NULL)
		c->deployment = hb_ddi_deployment_parse(answer, &error);
	if (c->deployment != NULL && g_strcmp0(c->deployment->id, c->id) != 0)
		g_set_error(&error, DFUD_ERROR, DFUD_ERROR_PROTOCOL,
			    "the installedBase of action %s says it is action %s", c->id,
			    c->deployment->id);
	/* checked once per run, whatever the answer */
	g_free(c->target->installed_checked);
	c->target->installed_checked = g_strdup(c->id);
	if (error == NULL)
		hb_package_pick(c->deployment, c->target->connector->config->max_cache_size,
				&error);
	if (error != NULL) {
		g_autofree gchar *text = g_strdup_printf("unknown: %s", error->message);
		check_report(c, text);
		return;
	}
	check_next(g_steal_pointer(&c));
}

void
hb_installed_poll(HbTarget *t, const gchar *href)
{
	g_autofree gchar *id = hb_ddi_href_id(href, "installedBase");
	Check *c;

	/* during an action the device is what the action makes it: checked once it is over */
	if (id == NULL || t->installed_busy || !t->images_read ||
	    t->journal->stage != HB_STAGE_NONE || g_strcmp0(id, t->installed_checked) == 0)
		return;
	t->installed_busy = TRUE;
	c = g_new0(Check, 1);
	c->target = hb_target_ref(t);
	c->id = g_steal_pointer(&id);
	c->paths = g_ptr_array_new_with_free_func(g_free);
	c->sha256s = g_ptr_array_new_with_free_func(g_free);
	hb_http_json_async(t->connector->http, "GET", href, t->controller_id, NULL,
			   t->connector->cancellable, installed_cb, c);
}
