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
#include "smp/dfud-smp-cbor-map.h"

/* faults, SMP buffers, the event log, the configuration */

#define OLD "hashonly_1k_v1.2.3+4.bin"
#define NEW "hashonly_60k_v2.0.0.bin"
#define NEW_HASH "f225962eb5a76a487e22c6ff5b43acd9561b5e6922ce652c3f5a79aca564e802"

static SimFx *
fx_faults(const gchar *const *specs)
{
	SimFx *fx = sim_fx_new_config();

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	for (guint i = 0; specs[i] != NULL; i++)
		sim_fx_add_fault(fx, specs[i]);
	sim_fx_start(fx);
	return fx;
}

static GBytes *
echo(SimFx *fx, guint ver)
{
	g_autoptr(GBytes) req = sim_hex("0a00000600000000a16164626869");
	guint8 *p = g_memdup2(g_bytes_get_data(req, NULL), g_bytes_get_size(req));
	g_autoptr(GBytes) frame = NULL;

	p[0] = (guint8)(ver << 3 | 2);
	p[6] = (guint8)fx->seq++;
	frame = g_bytes_new_take(p, g_bytes_get_size(req));
	return sim_fx_call(fx, frame);
}

static void
test_drop_link_after(void)
{
	const gchar *specs[] = {"drop-link:after=2", NULL};
	SimFx *fx = fx_faults(specs);
	g_autoptr(GBytes) r1 = echo(fx, 1);
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;
	g_autoptr(GPtrArray) faults = NULL;

	sim_assert_text(r1, "r", "hi");
	g_assert_cmpuint(fx->drop_links, ==, 0);
	r2 = echo(fx, 1);
	sim_assert_text(r2, "r", "hi");
	g_assert_cmpuint(fx->drop_links, ==, 1);
	/* fired once (count 1 by default), and the new session counts from 0 */
	r3 = echo(fx, 1);
	sim_assert_text(r3, "r", "hi");
	g_assert_cmpuint(fx->drop_links, ==, 1);
	faults = sim_log_events(fx, "fault");
	g_assert_cmpuint(faults->len, ==, 1);
	g_assert_cmpstr(json_object_get_string_member(g_ptr_array_index(faults, 0), "spec"), ==,
			"drop-link:after=2");
	sim_fx_free(fx);
}

static void
test_drop_link_offset_and_p(void)
{
	const gchar *specs[] = {"drop-link:offset=2048", NULL};
	SimFx *fx = fx_faults(specs);
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) sha = sim_sha256(file);
	const guint8 *p = g_bytes_get_data(file, NULL);
	g_autoptr(GBytes) q1 = sim_upload_frame(fx, 1, 0, 0, p, 2048, 61992, sha, FALSE);
	g_autoptr(GBytes) q2 = sim_upload_frame(fx, 1, 0, 2048, p + 2048, 2048, -1, NULL, FALSE);
	g_autoptr(GBytes) r1 = sim_fx_call(fx, q1);
	g_autoptr(GBytes) r2 = sim_fx_call(fx, q2);
	g_autoptr(GBytes) r3 = NULL;

	g_assert_nonnull(r1);
	g_assert_null(r2);
	g_assert_cmpuint(fx->drop_links, ==, 1);
	/* the upload survives the link: the chunk again goes through */
	r3 = sim_fx_call(fx, q2);
	{
		g_autoptr(cbor_item_t) b = sim_body(r3);
		g_assert_cmpint(sim_get_int(b, "off"), ==, 4096);
	}
	sim_fx_free(fx);

	{
		const gchar *specs2[] = {"drop-link:p=1,count=1", NULL};
		g_autoptr(GBytes) a = NULL;
		g_autoptr(GBytes) b = NULL;
		fx = fx_faults(specs2);
		a = echo(fx, 1);
		g_assert_null(a);
		g_assert_cmpuint(fx->drop_links, ==, 1);
		b = echo(fx, 1);
		sim_assert_text(b, "r", "hi");
		sim_fx_free(fx);
	}
}

static void
test_drop_request_response(void)
{
	const gchar *specs[] = {"drop-request:after=1", "drop-response:after=2", NULL};
	SimFx *fx = fx_faults(specs);
	g_autoptr(GBytes) r1 = echo(fx, 1);
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;
	g_autoptr(GBytes) r4 = NULL;
	g_autoptr(GPtrArray) drops = NULL;

	sim_assert_text(r1, "r", "hi");
	r2 = echo(fx, 1); /* 2nd request: lost */
	g_assert_null(r2);
	r3 = echo(fx, 1); /* 3rd: processed, response lost */
	g_assert_null(r3);
	r4 = echo(fx, 1);
	sim_assert_text(r4, "r", "hi");
	drops = sim_log_events(fx, "drop");
	g_assert_cmpuint(drops->len, ==, 2);
	g_assert_cmpstr(json_object_get_string_member(g_ptr_array_index(drops, 0), "what"), ==,
			"request");
	g_assert_cmpstr(json_object_get_string_member(g_ptr_array_index(drops, 1), "what"), ==,
			"response");
	sim_fx_free(fx);
}

static void
test_delay_duplicate(void)
{
	const gchar *specs[] = {"delay-response:ms=150,count=1", "duplicate-response:p=1,count=1",
				NULL};
	SimFx *fx = fx_faults(specs);
	gint64 start = g_get_monotonic_time();
	g_autoptr(GBytes) r1 = echo(fx, 1);
	gint64 took = g_get_monotonic_time() - start;

	sim_assert_text(r1, "r", "hi");
	g_assert_cmpint(took, >=, 150000);
	/* the duplicate */
	sim_fx_iterate(fx, 20);
	g_assert_cmpuint(fx->responses->len, ==, 2);
	g_assert_true(g_bytes_equal(g_ptr_array_index(fx->responses, 0),
				    g_ptr_array_index(fx->responses, 1)));
	sim_fx_free(fx);
}

static void
test_busy_error(void)
{
	const gchar *specs[] = {"busy:after=1,cmd=os.echo",
				"error:cmd=image.upload,rc=5,group=1,offset=1000,count=2",
				"error:cmd=image.state-read,rc=6", NULL};
	SimFx *fx = fx_faults(specs);
	g_autoptr(GBytes) file = sim_read_file(NEW);
	const guint8 *p = g_bytes_get_data(file, NULL);
	g_autoptr(GBytes) q1 = sim_upload_frame(fx, 1, 0, 0, p, 1000, 61992, NULL, FALSE);
	g_autoptr(GBytes) q2 = sim_upload_frame(fx, 1, 0, 1000, p + 1000, 1000, -1, NULL, FALSE);
	g_autoptr(GBytes) q3 = sim_upload_frame(fx, 0, 0, 1000, p + 1000, 1000, -1, NULL, FALSE);
	g_autoptr(GBytes) e1 = echo(fx, 1);
	g_autoptr(GBytes) e2 = echo(fx, 1);
	g_autoptr(GBytes) r1 = sim_fx_call(fx, q1);
	g_autoptr(GBytes) r2 = sim_fx_call(fx, q2);
	g_autoptr(GBytes) r3 = sim_fx_call(fx, q3);
	g_autoptr(GBytes) r4 = sim_state_read(fx);

	sim_assert_text(e1, "r", "hi");
	sim_assert_rc(e2, 10);
	{
		g_autoptr(cbor_item_t) b = sim_body(r1);
		g_assert_cmpint(sim_get_int(b, "off"), ==, 1000);
	}
	sim_assert_err(r2, 1, 5);
	sim_assert_rc(r3, 1); /* INVALID_TLV translated for v1 */
	sim_assert_rc(r4, 6);
	sim_fx_free(fx);
}

static void
test_corrupt_image(void)
{
	const gchar *specs[] = {"corrupt-image:image=0", NULL};
	SimFx *fx = fx_faults(specs);
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) h = sim_hex(NEW_HASH);
	g_autoptr(GBytes) w = NULL;
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GPtrArray) boots = NULL;

	sim_upload(fx, 0, file);
	w = sim_state_write(fx, 1, h, TRUE, FALSE);
	g_assert_nonnull(w);
	sim_fx_reset(fx);
	r = sim_state_read(fx);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_true(sim_get_bool(sim_state_entry(b, 0, 0), "confirmed"));
		g_assert_null(sim_state_entry(b, 0, 1));
	}
	boots = sim_log_events(fx, "boot");
	{
		guint refused = 0;
		for (guint i = 0; i < boots->len; i++) {
			JsonObject *o = g_ptr_array_index(boots, i);
			if (g_strcmp0(json_object_get_string_member_with_default(o, "action", ""),
				      "refused") != 0)
				continue;
			refused++;
			g_assert_cmpstr(json_object_get_string_member(o, "reason"), ==,
					"image hash mismatch");
			g_assert_cmpint(json_object_get_int_member(o, "slot"), ==, 1);
		}
		g_assert_cmpuint(refused, ==, 1);
	}
	sim_fx_free(fx);
}

static void
test_slow_erase_and_buffers(void)
{
	for (guint count = 2; count <= 4; count += 2) {
		const gchar *specs[] = {"slow-erase:ms=300", NULL};
		SimFx *fx = sim_fx_new_config();
		g_autoptr(GBytes) file = sim_read_file(NEW);
		g_autoptr(GBytes) q1 = NULL;
		g_autoptr(GBytes) e = sim_hex("0a00000600000000a16164626869");
		g_autoptr(GPtrArray) drops = NULL;
		gint64 start;

		fx->config->buf_count = count;
		fx->config->time_scale = 1.0;
		fx->config->flash.erase_us_per_sector = 0;
		fx->config->flash.write_ns_per_byte = 0;
		fx->config->flash.hash_ns_per_byte = 0;
		fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
		g_ptr_array_add(fx->config->faults, dfud_sim_fault_parse(specs[0], NULL));
		sim_fx_start(fx);
		q1 = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL), 1000, 61992, NULL,
				      FALSE);
		start = g_get_monotonic_time();
		sim_fx_send(fx, q1);
		sim_fx_send(fx, e);
		sim_fx_send(fx, e);
		sim_fx_send(fx, e);
		sim_fx_iterate(fx, 200);
		g_assert_cmpuint(fx->responses->len, ==, 0); /* the erase blocks everything */
		sim_fx_iterate(fx, 300);
		g_assert_cmpint(g_get_monotonic_time() - start, >=, 300000);
		drops = sim_log_events(fx, "drop");
		if (count == 2) {
			/* request + response buffer of the upload: every echo is dropped */
			g_assert_cmpuint(fx->responses->len, ==, 1);
			g_assert_cmpuint(drops->len, ==, 3);
		} else {
			g_assert_cmpuint(fx->responses->len, ==, 3);
			g_assert_cmpuint(drops->len, ==, 1);
		}
		g_assert_cmpstr(
		    json_object_get_string_member(g_ptr_array_index(drops, 0), "reason"), ==,
		    "no free SMP buffer");
		sim_fx_free(fx);
	}
}

static void
test_require_security(void)
{
	const gchar *specs[] = {"require:security=encrypt",
				"require:security=authenticate,device=3", NULL};
	SimFx *fx = fx_faults(specs);

	g_assert_cmpint(dfud_sim_device_get_required_security(fx->device), ==,
			DFUD_SIM_SECURITY_ENCRYPT);
	sim_fx_free(fx);
}

static void
test_fault_parse(void)
{
	static const struct {
		const gchar *spec;
		const gchar *error; /* NULL: valid */
	} cases[] = {
	    {"drop-link:offset=4096", NULL},
	    {"drop-link:after=3,device=1,count=2", NULL},
	    {"delay-response:ms=100,p=0.5", NULL},
	    {"error:cmd=os.reset,rc=10", NULL},
	    {"corrupt-image", NULL},
	    {"explode", "unknown fault kind \"explode\""},
	    {"drop-link", "drop-link needs exactly one of offset=, after=, p="},
	    {"drop-link:offset=1,after=2", "drop-link needs exactly one of"},
	    {"drop-request:p=1.5", "p=1.5 is not a probability in 0..1"},
	    {"busy:p=0.5,ms=3", "unknown key \"ms\" for busy"},
	    {"error:cmd=os.nothing,rc=1", "unknown command cmd=os.nothing"},
	    {"error:cmd=os.echo", "error needs rc=N"},
	    {"error:cmd=os.echo,rc=1,offset=5", "offset= only applies to cmd=image.upload"},
	    {"drop-response:offset=5", "offset= only applies to cmd=image.upload"},
	    {"drop-response:cmd=image.upload,offset=5,p=0.5", "drop-response needs exactly one of"},
	    {"slow-erase:ms=abc", "ms=abc is not an integer"},
	    {"require:security=weak", "security=weak is not encrypt or authenticate"},
	    {"drop-link:after=1,after=2", "key \"after\" given twice"},
	    {"busy:after", "\"after\" is not KEY=VALUE"},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		dfud_sim_fault_free(sim_parse_fault(cases[i].spec, cases[i].error));
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudSimFault) f =
		    dfud_sim_fault_parse("drop-link:after=3,device=1", &error);
		g_assert_cmpint(f->after, ==, 3);
		g_assert_cmpint(f->device, ==, 1);
		g_assert_cmpint(f->count, ==, 1);
		g_clear_pointer(&f, dfud_sim_fault_free);
		f = dfud_sim_fault_parse("busy:p=0.25,cmd=image.upload", &error);
		g_assert_cmpint(f->count, ==, -1);
		g_assert_cmpfloat(f->p, ==, 0.25);
		g_assert_true(f->has_cmd);
		g_assert_cmpuint(f->cmd_group, ==, 1);
		g_assert_cmpuint(f->cmd_id, ==, 1);
	}
	{
		g_autofree gchar *dir = g_dir_make_tmp("dfud-sim-fault-XXXXXX", NULL);
		g_autofree gchar *path = g_build_filename(dir, "faults", NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) faults = NULL;
		g_file_set_contents(path, "# comment\n\nbusy:p=0.1\n  drop-link:after=4  \n", -1,
				    NULL);
		faults = dfud_sim_fault_parse_file(path, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(faults->len, ==, 2);
		g_file_set_contents(path, "busy:p=0.1\nbogus\n", -1, NULL);
		g_clear_pointer(&faults, g_ptr_array_unref);
		faults = dfud_sim_fault_parse_file(path, &error);
		g_assert_null(faults);
		g_assert_nonnull(strstr(error->message, ":2: "));
		g_remove(path);
		g_rmdir(dir);
	}
}

static void
test_config(void)
{
	g_autoptr(DfudSimConfig) c = dfud_sim_config_new();
	g_autoptr(GError) error = NULL;
	DfudSimBootMode mode;
	g_autofree gchar *dir = NULL;

	g_assert_cmpuint(c->images, ==, 1);
	g_assert_cmphex(c->slot_size, ==, 0x76000);
	g_assert_cmphex(c->net_slot_size, ==, 0x3a000);
	g_assert_cmpint(c->boot_mode, ==, DFUD_SIM_BOOT_SWAP_MOVE);
	g_assert_cmpuint(c->buf_size, ==, 2475);
	g_assert_cmpuint(c->buf_count, ==, 4);
	g_assert_true(c->smp_v1 && c->image_check && c->verbose_errors);
	g_assert_cmpuint(c->flash.sector_size, ==, 4096);
	g_assert_cmpuint(c->flash.erase_us_per_sector, ==, 85000);
	g_assert_cmpuint(c->flash.write_ns_per_byte, ==, 10250);
	g_assert_cmpuint(c->flash.hash_ns_per_byte, ==, 20);
	g_assert_cmpfloat(c->time_scale, ==, 1.0);
	g_assert_false(c->link.enabled);
	g_assert_cmpuint(c->count, ==, 1);
	g_assert_cmpstr(c->udp_host, ==, "127.0.0.1");
	g_assert_cmpuint(c->udp_port, ==, 1337);
	g_assert_cmpstr(c->os_name, ==, "dfud-sim");
	g_assert_cmpstr(c->board, ==, "nrf52840dk");
	g_assert_cmpuint(c->faults->len, ==, 0);
	/* no state dir */
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->state_dir = g_strdup("/tmp/x");
	g_assert_true(dfud_sim_config_validate(c, &error));
	dir = dfud_sim_config_device_dir(c, 3);
	g_assert_cmpstr(dir, ==, "/tmp/x/dev3");
	c->buf_size = 63;
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "--buf-size 63"));
	g_clear_error(&error);
	c->buf_size = 2475;
	c->buf_count = 65;
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->buf_count = 4;
	c->slot_size = 0x76001;
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->slot_size = 0x76000;
	c->slot0_net_path = g_strdup("x");
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_assert_nonnull(strstr(error->message, "--slot0-net"));
	g_clear_error(&error);
	c->images = 5;
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->images = 2;
	c->time_scale = -1;
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->time_scale = 0;
	c->mcuboot_s0_path = g_strdup("s0");
	g_assert_false(dfud_sim_config_validate(c, &error));
	g_clear_error(&error);
	c->mcuboot_s1_path = g_strdup("s1");
	g_assert_true(dfud_sim_config_validate(c, &error));
	g_assert_true(dfud_sim_boot_mode_from_string("direct-xip-revert", &mode));
	g_assert_cmpint(mode, ==, 5);
	g_assert_false(dfud_sim_boot_mode_from_string("swap", &mode));
	g_assert_cmpstr(dfud_sim_boot_mode_to_string(DFUD_SIM_BOOT_SWAP_OFFSET), ==, "swap-offset");
}

static void
test_event_log(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GPtrArray) reqs = NULL;
	g_autoptr(GPtrArray) rsps = NULL;
	g_autoptr(GPtrArray) sessions = NULL;
	g_autoptr(GPtrArray) resets = NULL;
	g_autoptr(GPtrArray) running = NULL;
	JsonObject *o;
	JsonObject *body;

	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	sim_fx_start(fx);
	r = echo(fx, 1);
	sim_assert_text(r, "r", "hi");
	{
		g_autoptr(GBytes) file = sim_read_file(NEW);
		sim_upload(fx, 0, file);
	}
	sim_fx_reset(fx);
	reqs = sim_log_events(fx, "request");
	rsps = sim_log_events(fx, "response");
	g_assert_cmpuint(reqs->len, >=, 2);
	o = g_ptr_array_index(reqs, 0);
	g_assert_cmpstr(json_object_get_string_member(o, "command"), ==, "os echo");
	g_assert_cmpint(json_object_get_int_member(o, "op"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(o, "ver"), ==, 1);
	body = json_object_get_object_member(o, "body");
	g_assert_cmpstr(json_object_get_string_member(body, "d"), ==, "hi");
	o = g_ptr_array_index(rsps, 0);
	g_assert_cmpint(json_object_get_int_member(o, "op"), ==, 3);
	body = json_object_get_object_member(o, "body");
	g_assert_cmpstr(json_object_get_string_member(body, "r"), ==, "hi");
	/* upload data as {len, sha256}, the file sha as hex */
	o = g_ptr_array_index(reqs, 1);
	g_assert_cmpstr(json_object_get_string_member(o, "command"), ==, "image upload");
	body = json_object_get_object_member(o, "body");
	g_assert_cmpint(
	    json_object_get_int_member(json_object_get_object_member(body, "data"), "len"), ==,
	    2048);
	g_assert_cmpstr(json_object_get_string_member(body, "sha"), ==,
			"b2d3c3d2ebd2d2e382e5480303e9460cb57b1805bd26c74d704d036c8a7faeec");
	sessions = sim_log_events(fx, "session");
	g_assert_cmpstr(json_object_get_string_member(g_ptr_array_index(sessions, 0), "state"), ==,
			"open");
	resets = sim_log_events(fx, "reset");
	running = sim_log_events(fx, "running");
	g_assert_cmpuint(resets->len, ==, 1);
	g_assert_cmpuint(running->len, ==, 1);
	sim_fx_free(fx);
}

static void
test_link_model(void)
{
	SimFx *fx = sim_fx_new_config();
	gint64 start;
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GBytes) file = sim_read_file(NEW);

	/* 1M PHY, 50 ms interval, 23-byte MTU: even an echo takes a few connection events */
	fx->config->link.enabled = TRUE;
	fx->config->link.phy = DFUD_SIM_PHY_1M;
	fx->config->link.conn_interval_us = 50000;
	fx->config->link.att_mtu = 23;
	fx->config->link.ll_octets = 27;
	fx->config->link.max_pdus_per_event = 1;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	sim_fx_start(fx);
	start = g_get_monotonic_time();
	r = echo(fx, 1);
	sim_assert_text(r, "r", "hi");
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 50000);
	/* the reset answer still arrives before the device goes away */
	sim_fx_reset(fx);
	g_assert_cmpuint(fx->responses->len, ==, 2);
	(void)file;
	sim_fx_free(fx);
}

static void
test_progressive_erase(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) h = sim_hex(NEW_HASH);
	g_autoptr(GBytes) w = NULL;

	fx->config->progressive_erase = TRUE;
	fx->config->slot0_path = g_build_filename(TEST_DATA_DIR, OLD, NULL);
	sim_fx_start(fx);
	/* twice: the second upload overwrites what the first one left, sector by sector */
	sim_upload(fx, 0, file);
	{
		g_autoptr(GBytes) small = sim_read_file(OLD);
		g_autoptr(GBytes) sha = sim_sha256(small);
		g_autoptr(GBytes) q = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(small, NULL),
						       g_bytes_get_size(small),
						       (gint64)g_bytes_get_size(small), sha, FALSE);
		g_autoptr(GBytes) r = sim_fx_call(fx, q);
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_true(sim_get_bool(b, "match"));
	}
	sim_upload(fx, 0, file);
	w = sim_state_write(fx, 1, h, TRUE, TRUE);
	{
		g_autoptr(cbor_item_t) b = sim_body(w);
		g_assert_true(sim_get_bool(sim_state_entry(b, 0, 1), "pending"));
	}
	sim_fx_free(fx);
}

static void
test_no_verbose_errors(void)
{
	SimFx *fx = sim_fx_new_config();
	g_autoptr(GBytes) file = sim_read_file(NEW);
	g_autoptr(GBytes) q = NULL;
	g_autoptr(GBytes) r = NULL;

	fx->config->verbose_errors = FALSE;
	sim_fx_start(fx);
	q = sim_upload_frame(fx, 1, 0, 0, g_bytes_get_data(file, NULL), 31, 100, NULL, FALSE);
	r = sim_fx_call(fx, q);
	{
		g_autoptr(cbor_item_t) b = sim_body(r);
		g_assert_cmpuint(cbor_map_size(b), ==, 1);
	}
	sim_assert_err(r, 1, 22);
	sim_fx_free(fx);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/device/fault/drop-link-after", test_drop_link_after);
	g_test_add_func("/sim/device/fault/drop-link-offset-p", test_drop_link_offset_and_p);
	g_test_add_func("/sim/device/fault/drop-request-response", test_drop_request_response);
	g_test_add_func("/sim/device/fault/delay-duplicate", test_delay_duplicate);
	g_test_add_func("/sim/device/fault/busy-error", test_busy_error);
	g_test_add_func("/sim/device/fault/corrupt-image", test_corrupt_image);
	g_test_add_func("/sim/device/fault/slow-erase-buffers", test_slow_erase_and_buffers);
	g_test_add_func("/sim/device/fault/require-security", test_require_security);
	g_test_add_func("/sim/device/fault/parse", test_fault_parse);
	g_test_add_func("/sim/device/config", test_config);
	g_test_add_func("/sim/device/log", test_event_log);
	g_test_add_func("/sim/device/link", test_link_model);
	g_test_add_func("/sim/device/progressive-erase", test_progressive_erase);
	g_test_add_func("/sim/device/no-verbose-errors", test_no_verbose_errors);
	return g_test_run();
}
