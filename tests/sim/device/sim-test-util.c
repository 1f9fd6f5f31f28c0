/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimTest"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "dfud-error.h"
#include "sim-test-util.h"
#include "test-image-stamp.h"
#include "smp/dfud-smp-cbor-check.h"
#include "smp/dfud-smp-cbor-map.h"

static void
on_send(DfudSimSession *session, GBytes *frame, gpointer user_data)
{
	SimFx *fx = user_data;

	g_ptr_array_add(fx->responses, g_bytes_ref(frame));
}

static void
on_drop_link(DfudSimDevice *device, gpointer session, gpointer user_data)
{
	SimFx *fx = user_data;

	fx->drop_links++;
	if (session == fx->session) {
		dfud_sim_device_disconnect(device, session);
		fx->session = dfud_sim_device_connect(device, "test", on_send, fx);
	}
}

SimFx *
sim_fx_new_config(void)
{
	SimFx *fx = g_new0(SimFx, 1);
	g_autoptr(GError) error = NULL;

	fx->root = g_dir_make_tmp("dfud-sim-test-XXXXXX", &error);
	g_assert_no_error(error);
	fx->config = dfud_sim_config_new();
	fx->config->state_dir = g_strdup(fx->root);
	fx->config->time_scale = 0.0;
	/* tests that look at the reset delay set it */
	fx->config->reset_delay_ms = 0;
	fx->log_path = g_build_filename(fx->root, "events.jsonl", NULL);
	fx->responses = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	return fx;
}

SimFx *
sim_fx_new_mode(DfudSimBootMode mode, const gchar *slot0)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->boot_mode = mode;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, slot0, NULL);
	return fx;
}

void
sim_fx_start(SimFx *fx)
{
	g_autoptr(GError) error = NULL;

	if (fx->log == NULL) {
		fx->log = dfud_sim_log_new(fx->log_path, &error);
		g_assert_no_error(error);
	}
	fx->device = dfud_sim_device_new(fx->config, 0, fx->log, &error);
	g_assert_no_error(error);
	g_assert_nonnull(fx->device);
	g_signal_connect(fx->device, "drop-link", G_CALLBACK(on_drop_link), fx);
	fx->session = dfud_sim_device_connect(fx->device, "test", on_send, fx);
}

void
sim_fx_restart(SimFx *fx)
{
	g_clear_object(&fx->device);
	fx->session = NULL;
	sim_fx_start(fx);
}

static void
rm_rf(const gchar *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			rm_rf(child);
		}
		g_dir_close(dir);
	}
	g_remove(path);
}

void
sim_fx_free(SimFx *fx)
{
	g_clear_object(&fx->device);
	dfud_sim_log_free(fx->log);
	dfud_sim_config_free(fx->config);
	g_ptr_array_unref(fx->responses);
	rm_rf(fx->root);
	g_free(fx->root);
	g_free(fx->log_path);
	g_free(fx);
}

static gboolean
on_timeout(gpointer data)
{
	gboolean *flag = data;

	*flag = TRUE;
	return G_SOURCE_REMOVE;
}

void
sim_fx_iterate(SimFx *fx, guint ms)
{
	gboolean done = FALSE;
	guint id = g_timeout_add(ms, on_timeout, &done);

	while (!done)
		g_main_context_iteration(NULL, TRUE);
	(void)id;
}

GBytes *
sim_fx_call(SimFx *fx, GBytes *frame)
{
	guint before = fx->responses->len;
	gboolean timeout = FALSE;
	guint id;

	sim_fx_send(fx, frame);
	id = g_timeout_add(1000, on_timeout, &timeout);
	while (fx->responses->len == before && !timeout)
		g_main_context_iteration(NULL, TRUE);
	if (!timeout)
		g_source_remove(id);
	if (fx->responses->len == before)
		return NULL;
	return g_bytes_ref(g_ptr_array_index(fx->responses, before));
}

GBytes *
sim_fx_call_raw(SimFx *fx, const void *data, gsize len)
{
	g_autoptr(GBytes) frame = g_bytes_new(data, len);

	return sim_fx_call(fx, frame);
}

void
sim_fx_send(SimFx *fx, GBytes *frame)
{
	dfud_sim_device_receive(fx->device, fx->session, g_bytes_get_data(frame, NULL),
				g_bytes_get_size(frame));
}

static void
on_running(DfudSimDevice *device, gboolean running, gpointer user_data)
{
	gint *state = user_data;

	*state = running ? 2 : MAX(*state, 1);
}

void
sim_fx_reset(SimFx *fx)
{
	sim_fx_reset_body(fx, (const guint8 *)"\xa0", 1);
}

void
sim_fx_reset_body(SimFx *fx, const guint8 *body, gsize len)
{
	gint state = 0;
	gulong id = g_signal_connect(fx->device, "running-changed", G_CALLBACK(on_running), &state);
	g_autoptr(GBytes) req = sim_frame(fx, 1, 2, 0, 5, body, len);
	g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
	gboolean timeout = FALSE;
	guint tid;

	g_assert_nonnull(rsp);
	tid = g_timeout_add(5000, on_timeout, &timeout);
	while (state != 2 && !timeout)
		g_main_context_iteration(NULL, TRUE);
	g_assert_false(timeout);
	g_source_remove(tid);
	g_signal_handler_disconnect(fx->device, id);
	g_assert_true(dfud_sim_device_is_running(fx->device));
}

GBytes *
sim_frame(SimFx *fx, guint ver, guint op, guint group, guint id, const guint8 *body, gsize len)
{
	guint8 *buf = g_malloc(8 + len);

	buf[0] = (guint8)((ver << 3) | op);
	buf[1] = 0;
	buf[2] = (guint8)(len >> 8);
	buf[3] = (guint8)len;
	buf[4] = (guint8)(group >> 8);
	buf[5] = (guint8)group;
	buf[6] = (guint8)(fx->seq++);
	buf[7] = (guint8)id;
	if (len > 0)
		memcpy(buf + 8, body, len);
	return g_bytes_new_take(buf, 8 + len);
}

cbor_item_t *
sim_body(GBytes *frame)
{
	gsize len;
	const guint8 *p;
	g_autoptr(GError) error = NULL;
	cbor_item_t *item;

	g_assert_nonnull(frame);
	p = g_bytes_get_data(frame, &len);
	g_assert_cmpuint(len, >=, 8);
	g_assert_cmpuint((guint)(p[2] << 8 | p[3]), ==, len - 8);
	item = dfud_smp_cbor_load(p + 8, len - 8, &error);
	g_assert_no_error(error);
	g_assert_true(cbor_isa_map(item));
	return item;
}

gint64
sim_get_int(const cbor_item_t *map, const gchar *key)
{
	gint64 v = 0;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_int(map, key, DFUD_SMP_CBOR_REQUIRED, G_MININT64, G_MAXINT64, &v,
				  NULL, &error);
	g_assert_no_error(error);
	return v;
}

gboolean
sim_has(const cbor_item_t *map, const gchar *key)
{
	const cbor_item_t *v = NULL;

	g_assert_true(dfud_smp_cbor_map_find(map, key, &v, NULL));
	return v != NULL;
}

gboolean
sim_get_bool(const cbor_item_t *map, const gchar *key)
{
	gboolean v = FALSE;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_bool(map, key, DFUD_SMP_CBOR_REQUIRED, &v, NULL, &error);
	g_assert_no_error(error);
	return v;
}

static gchar *
hexdump(GBytes *frame)
{
	GString *s = g_string_new(NULL);
	gsize len = 0;
	const guint8 *p = frame != NULL ? g_bytes_get_data(frame, &len) : NULL;

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", p[i]);
	return g_string_free(s, FALSE);
}

void
sim_assert_rc(GBytes *frame, gint64 rc)
{
	g_autoptr(cbor_item_t) body = sim_body(frame);

	if (!sim_has(body, "rc") || sim_get_int(body, "rc") != rc) {
		g_autofree gchar *h = hexdump(frame);
		g_error("want rc %" G_GINT64_FORMAT ", got %s", rc, h);
	}
	g_assert_cmpuint(cbor_map_size(body), ==, sim_has(body, "rsn") ? 2 : 1);
}

void
sim_assert_err(GBytes *frame, guint group, guint rc)
{
	g_autoptr(cbor_item_t) body = sim_body(frame);
	const cbor_item_t *err = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_map(body, "err", DFUD_SMP_CBOR_REQUIRED, &err, &error);
	if (error != NULL) {
		g_autofree gchar *h = hexdump(frame);
		g_error("want err {%u, %u}, got %s", group, rc, h);
	}
	g_assert_cmpint(sim_get_int(err, "group"), ==, group);
	g_assert_cmpint(sim_get_int(err, "rc"), ==, rc);
	g_assert_cmpuint(cbor_map_size(err), ==, 2);
	g_assert_cmpuint(cbor_map_size(body), ==, sim_has(body, "rsn") ? 2 : 1);
}

GBytes *
sim_read_file(const gchar *name)
{
	g_autofree gchar *path = g_build_filename(TEST_DATA_DIR, name, NULL);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;

	g_file_get_contents(path, &contents, &len, &error);
	g_assert_no_error(error);
	return g_bytes_new_take(g_steal_pointer(&contents), len);
}

GBytes *
sim_sha256(GBytes *data)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 out[32];
	gsize out_len = sizeof(out);

	g_checksum_update(sum, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
	g_checksum_get_digest(sum, out, &out_len);
	return g_bytes_new(out, out_len);
}

GBytes *
sim_restamp(const gchar *name, const gchar *version, guint32 flags, guint32 load_addr,
	    gchar **hash_hex)
{
	g_autoptr(GBytes) file = sim_read_file(name);

	return test_image_restamp(file, version, flags, load_addr, hash_hex);
}

GBytes *
sim_upload_frame(SimFx *fx, guint ver, guint image, guint64 off, const guint8 *data, gsize len,
		 gint64 total, GBytes *sha, gboolean upgrade)
{
	guint8 buf[4096];
	DfudSmpCborWriter w;
	gsize n = 2;

	n += image != 0;
	n += total >= 0;
	n += sha != NULL;
	n += upgrade;
	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, n);
	if (image != 0)
		dfud_smp_cbor_writer_key_uint(&w, "image", image);
	dfud_smp_cbor_writer_key_bytes(&w, "data", data, len);
	if (total >= 0)
		dfud_smp_cbor_writer_key_uint(&w, "len", (guint64)total);
	dfud_smp_cbor_writer_key_uint(&w, "off", off);
	if (sha != NULL)
		dfud_smp_cbor_writer_key_bytes(&w, "sha", g_bytes_get_data(sha, NULL),
					       g_bytes_get_size(sha));
	if (upgrade)
		dfud_smp_cbor_writer_key_bool(&w, "upgrade", TRUE);
	g_assert_true(dfud_smp_cbor_writer_ok(&w));
	return sim_frame(fx, ver, 2, 1, 1, buf, w.pos);
}

void
sim_upload(SimFx *fx, guint image, GBytes *file)
{
	gsize len;
	const guint8 *p = g_bytes_get_data(file, &len);
	g_autoptr(GBytes) sha = sim_sha256(file);
	gsize off = 0;
	const gsize chunk = 2048;

	while (off < len) {
		gsize n = MIN(chunk, len - off);
		g_autoptr(GBytes) req =
		    sim_upload_frame(fx, 1, image, off, p + off, n, off == 0 ? (gint64)len : -1,
				     off == 0 ? sha : NULL, FALSE);
		g_autoptr(GBytes) rsp = sim_fx_call(fx, req);
		g_autoptr(cbor_item_t) body = sim_body(rsp);
		off += n;
		g_assert_cmpint(sim_get_int(body, "off"), ==, off);
		if (off == len)
			g_assert_true(sim_get_bool(body, "match"));
		else
			g_assert_false(sim_has(body, "match"));
	}
}

void
sim_upload_name(SimFx *fx, const gchar *name)
{
	g_autoptr(GBytes) file = sim_read_file(name);

	sim_upload(fx, 0, file);
}

GBytes *
sim_state_write(SimFx *fx, guint ver, GBytes *hash, gboolean has_confirm, gboolean confirm)
{
	guint8 buf[256];
	DfudSmpCborWriter w;
	g_autoptr(GBytes) req = NULL;

	dfud_smp_cbor_writer_init(&w, buf, sizeof(buf));
	dfud_smp_cbor_writer_map(&w, (hash != NULL) + has_confirm);
	if (hash != NULL)
		dfud_smp_cbor_writer_key_bytes(&w, "hash", g_bytes_get_data(hash, NULL),
					       g_bytes_get_size(hash));
	if (has_confirm)
		dfud_smp_cbor_writer_key_bool(&w, "confirm", confirm);
	req = sim_frame(fx, ver, 2, 1, 0, buf, w.pos);
	return sim_fx_call(fx, req);
}

GBytes *
sim_state_read(SimFx *fx)
{
	g_autoptr(GBytes) req = sim_frame(fx, 1, 0, 1, 0, (const guint8 *)"\xa0", 1);

	return sim_fx_call(fx, req);
}

const cbor_item_t *
sim_state_entry(const cbor_item_t *state, guint image, guint slot)
{
	const cbor_item_t *images = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_array(state, "images", DFUD_SMP_CBOR_REQUIRED, &images, &error);
	g_assert_no_error(error);
	for (gsize i = 0; i < cbor_array_size(images); i++) {
		const cbor_item_t *e = cbor_array_handle(images)[i];
		guint64 img = 0;
		if (sim_has(e, "image"))
			img = (guint64)sim_get_int(e, "image");
		if (img == image && sim_get_int(e, "slot") == slot)
			return e;
	}
	return NULL;
}

GBytes *
sim_hex(const gchar *hex)
{
	gsize n = strlen(hex) / 2;
	guint8 *buf = g_malloc(MAX(n, 1));

	for (gsize i = 0; i < n; i++)
		buf[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 |
				  g_ascii_xdigit_value(hex[2 * i + 1]));
	return g_bytes_new_take(buf, n);
}

void
sim_assert_state(SimFx *fx, const gchar *hash0, const gchar *flags0, const gchar *hash1,
		 const gchar *flags1)
{
	g_autoptr(GBytes) r = sim_state_read(fx);
	g_autoptr(cbor_item_t) b = sim_body(r);
	const gchar *hashes[2] = {hash0, hash1};
	const gchar *flags[2] = {flags0, flags1};

	for (guint s = 0; s < 2; s++) {
		const cbor_item_t *e = sim_state_entry(b, 0, s);
		if (hashes[s] == NULL) {
			g_assert_null(e);
			continue;
		}
		g_assert_nonnull(e);
		{
			g_autoptr(GBytes) want = sim_hex(hashes[s]);
			g_autoptr(GBytes) got = NULL;
			dfud_smp_cbor_map_get_bytes(e, "hash", DFUD_SMP_CBOR_REQUIRED, 64, &got,
						    NULL);
			g_assert_true(g_bytes_equal(got, want));
		}
		g_assert_cmpint(sim_get_bool(e, "pending"), ==, flags[s][0] == 'P');
		g_assert_cmpint(sim_get_bool(e, "confirmed"), ==, flags[s][1] == 'C');
		g_assert_cmpint(sim_get_bool(e, "active"), ==, flags[s][2] == 'A');
		g_assert_cmpint(sim_get_bool(e, "permanent"), ==, flags[s][3] == 'M');
	}
}

void
sim_mark(SimFx *fx, const gchar *hash, gboolean confirm)
{
	g_autoptr(GBytes) h = sim_hex(hash);
	g_autoptr(GBytes) r = sim_state_write(fx, 1, h, TRUE, confirm);
	g_autoptr(cbor_item_t) b = sim_body(r);

	g_assert_false(sim_has(b, "err"));
	g_assert_false(sim_has(b, "rc"));
}

GPtrArray *
sim_log_events(SimFx *fx, const gchar *event)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);

	g_assert_true(g_file_get_contents(fx->log_path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(JsonParser) parser = json_parser_new();
		g_autoptr(GError) error = NULL;
		JsonObject *o;
		if (lines[i][0] == '\0')
			continue;
		json_parser_load_from_data(parser, lines[i], -1, &error);
		g_assert_no_error(error);
		o = json_node_get_object(json_parser_get_root(parser));
		g_assert_true(json_object_has_member(o, "t_ms"));
		g_assert_cmpint(json_object_get_int_member(o, "device"), ==, 0);
		if (g_strcmp0(json_object_get_string_member(o, "event"), event) == 0)
			g_ptr_array_add(out, json_object_ref(o));
	}
	return out;
}

gchar *
sim_last_boot(SimFx *fx, gchar **reason)
{
	g_autoptr(GPtrArray) events = sim_log_events(fx, "boot");
	JsonObject *o = NULL;

	/* the last decision, not the "done" the device logs when it runs again */
	for (guint i = events->len; i > 0 && o == NULL; i--) {
		if (g_strcmp0(json_object_get_string_member(events->pdata[i - 1], "action"),
			      "done") != 0)
			o = events->pdata[i - 1];
	}
	g_assert_nonnull(o);
	if (reason != NULL)
		*reason = g_strdup(json_object_get_string_member_with_default(o, "reason", ""));
	return g_strdup(json_object_get_string_member(o, "action"));
}

DfudSimFault *
sim_parse_fault(const gchar *spec, const gchar *error_part)
{
	g_autoptr(GError) error = NULL;
	DfudSimFault *f = dfud_sim_fault_parse(spec, &error);

	if (error_part == NULL) {
		g_assert_no_error(error);
		g_assert_nonnull(f);
		return f;
	}
	g_assert_null(f);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	if (strstr(error->message, error_part) == NULL)
		g_error("%s: \"%s\" does not say \"%s\"", spec, error->message, error_part);
	return NULL;
}

void
sim_fx_add_fault(SimFx *fx, const gchar *spec)
{
	g_autoptr(GError) error = NULL;
	DfudSimFault *f = dfud_sim_fault_parse(spec, &error);

	g_assert_no_error(error);
	g_ptr_array_add(fx->config->faults, f);
}

void
sim_assert_text(GBytes *frame, const gchar *key, const gchar *text)
{
	g_autoptr(cbor_item_t) b = sim_body(frame);
	g_autofree gchar *got = NULL;
	g_autoptr(GError) error = NULL;

	dfud_smp_cbor_map_get_text(b, key, DFUD_SMP_CBOR_REQUIRED, 4096, &got, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got, ==, text);
	g_assert_cmpuint(cbor_map_size(b), ==, 1);
}
