/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "device/dfud-sim-capacity.h"
#include "dfud-error.h"
#include "link/dfud-sim-link.h"
#include "smp/dfud-smp-request.h"
#include "smp/dfud-smp-upload-size.h"

/*
 * The model's bound on an upload (dfud-sim --capacity) and the flash presets it reads.
 * Hand figures: nRF52840 10250 ns per byte and 85 ms per 4096-byte sector, so a progressive
 * erase upload runs at 1e9 / (10250 + 85e6 / 4096) = 32256 B/s; nRF5340 10750 ns and 87.5 ms.
 */

#define IMAGE_300K 307752 /* tests/data/hashonly_300k_v1.0.0.bin */

/* the defaults with the link model on (2M, 7.5 ms, MTU 498, LL 251) */
static DfudSimConfig *
config_with_link(void)
{
	DfudSimConfig *config = dfud_sim_config_new();

	config->link.enabled = TRUE;
	return config;
}

static DfudSimCapacity
compute(const DfudSimConfig *config, guint64 bytes)
{
	g_autoptr(GError) error = NULL;
	DfudSimCapacity c;

	g_assert_true(dfud_sim_capacity_compute(config, bytes, &c, &error));
	g_assert_no_error(error);
	return c;
}

static void
assert_within(gdouble value, gdouble want, gdouble fraction)
{
	g_assert_cmpfloat(fabs(value - want), <=, fabs(want) * fraction);
}

static void
test_flash_presets(void)
{
	g_autoptr(DfudSimConfig) config = dfud_sim_config_new();
	const gchar *const *names = dfud_sim_flash_preset_names();
	DfudSimFlashParams p = {0};

	/* the default is the nRF52840's */
	g_assert_cmpstr(config->flash.name, ==, "nrf52840");
	g_assert_cmpuint(config->flash.write_ns_per_byte, ==, 10250);
	g_assert_cmpuint(config->flash.erase_us_per_sector, ==, 85000);
	g_assert_cmpuint(config->flash.sector_size, ==, 4096);
	g_assert_true(dfud_sim_flash_preset("nrf5340", &p));
	g_assert_cmpstr(p.name, ==, "nrf5340");
	/* 43 us per 32-bit word, 87.5 ms per page */
	g_assert_cmpuint(p.write_ns_per_byte, ==, 43000 / 4);
	g_assert_cmpuint(p.erase_us_per_sector, ==, 87500);
	g_assert_cmpuint(p.sector_size, ==, 4096);
	g_assert_true(dfud_sim_flash_preset("NRF52840", &p));
	g_assert_cmpuint(p.write_ns_per_byte, ==, 41000 / 4);
	g_assert_cmpuint(p.erase_us_per_sector, ==, 85000);
	/* unknown: untouched */
	g_assert_false(dfud_sim_flash_preset("nrf9160", &p));
	g_assert_false(dfud_sim_flash_preset(NULL, &p));
	g_assert_cmpstr(p.name, ==, "nrf52840");
	g_assert_cmpstrv(names, ((const gchar *const[]){"nrf52840", "nrf5340", NULL}));
}

/* the state directory is a device's, not the model's; the link time scale must be > 0 */
static void
test_validate_model(void)
{
	g_autoptr(DfudSimConfig) config = dfud_sim_config_new();
	g_autoptr(GError) error = NULL;

	g_assert_null(config->state_dir);
	g_assert_true(dfud_sim_config_validate_model(config, &error));
	g_assert_false(dfud_sim_config_validate(config, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_cmpfloat(config->link.time_scale, ==, 1.0);
	config->link.time_scale = 0.0;
	g_assert_false(dfud_sim_config_validate_model(config, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "--link-time-scale"));
	g_clear_error(&error);
	config->link.time_scale = -0.5;
	g_assert_false(dfud_sim_config_validate_model(config, &error));
	g_clear_error(&error);
	config->link.time_scale = NAN;
	g_assert_false(dfud_sim_config_validate_model(config, &error));
	g_clear_error(&error);
	config->link.time_scale = 0.05;
	g_assert_true(dfud_sim_config_validate_model(config, &error));
}

/* 2M PHY, LL 251, MTU 498: about 165 kB/s of SMP data, a little less of image data */
static void
test_link_2m(void)
{
	g_autoptr(DfudSimConfig) config = config_with_link();
	DfudSimCapacity c;

	config->progressive_erase = TRUE;
	c = compute(config, IMAGE_300K);
	g_assert_cmpuint(c.image_bytes, ==, IMAGE_300K);
	g_assert_true(c.has_link);
	g_assert_cmpfloat(c.link_Bps, >=, 150000.0);
	g_assert_cmpfloat(c.link_Bps, <=, 190000.0);
	g_assert_cmpuint(c.packet, <=, config->buf_size);
	g_assert_cmpuint(c.data_per_packet, <, c.packet);
	g_assert_cmpuint(c.data_per_packet, >, c.packet - 32);
	/* image data is the packet's share of the SMP bytes the link carries */
	assert_within(c.link_Bps,
		      dfud_sim_link_capacity(&config->link, DFUD_SIM_LINK_UP, c.packet) *
			  c.data_per_packet / c.packet,
		      1e-9);
	/* the nRF52840's flash is slower than this link */
	g_assert_cmpstr(c.limit, ==, "flash");
	g_assert_cmpstr(c.flash, ==, "nrf52840");
	g_assert_true(c.progressive_erase);
	/* 1M is slower: about 99 kB/s */
	config->link.phy = DFUD_SIM_PHY_1M;
	g_assert_cmpfloat(compute(config, IMAGE_300K).link_Bps, <, 100000.0);
	g_assert_cmpfloat(compute(config, IMAGE_300K).link_Bps, >, 90000.0);
}

/* progressive erase: max(link, erase + write); the flash rate from the product specs */
static void
test_flash_progressive(void)
{
	g_autoptr(DfudSimConfig) config = config_with_link();
	const gdouble nrf52840 = 1e9 / (10250 + 85e6 / 4096);
	const gdouble nrf5340 = 1e9 / (10750 + 87.5e6 / 4096);
	DfudSimCapacity c;
	DfudSimCapacity c53;

	config->progressive_erase = TRUE;
	c = compute(config, IMAGE_300K);
	assert_within(c.flash_Bps, nrf52840, 0.01);
	/* 76 sectors (75.1 rounded up), 307752 bytes */
	g_assert_cmpint(c.erase_us, ==, 76 * 85000);
	g_assert_cmpint(c.write_us, ==, (gint64)IMAGE_300K * 10250 / 1000);
	assert_within(c.flash_Bps, IMAGE_300K * 1e6 / (c.erase_us + c.write_us), 1e-12);
	g_assert_cmpint(c.bound_us, ==, c.erase_us + c.write_us);
	assert_within(c.capacity_Bps, IMAGE_300K * 1e6 / c.bound_us, 1e-12);
	/* exactly 75 sectors: exactly the hand figure */
	assert_within(compute(config, 75 * 4096).flash_Bps, nrf52840, 1e-9);

	g_assert_true(dfud_sim_flash_preset("nrf5340", &config->flash));
	c53 = compute(config, IMAGE_300K);
	g_assert_cmpstr(c53.flash, ==, "nrf5340");
	assert_within(c53.flash_Bps, nrf5340, 0.01);
	g_assert_cmpint(c53.erase_us, ==, 76 * 87500);
	g_assert_cmpfloat(c53.flash_Bps, <, c.flash_Bps * 0.98);
	g_assert_cmpfloat(c53.capacity_Bps, <, c.capacity_Bps);
	/* the link does not depend on the flash */
	assert_within(c53.link_Bps, c.link_Bps, 1e-12);
}

/* erase on the first chunk: erase + max(link, write) */
static void
test_erase_first(void)
{
	g_autoptr(DfudSimConfig) config = config_with_link();
	DfudSimCapacity c;
	gdouble link_us;

	c = compute(config, IMAGE_300K);
	g_assert_false(c.progressive_erase);
	/* the link (about 1.9 s) hides behind the writes (3.15 s) */
	g_assert_cmpint(c.bound_us, ==, c.erase_us + c.write_us);
	g_assert_cmpstr(c.limit, ==, "flash");
	/* MTU 23, LL 27, 1M: the link (about 20 kB/s, 15 s) is slower than the writes */
	config->link.phy = DFUD_SIM_PHY_1M;
	config->link.att_mtu = 23;
	config->link.ll_octets = 27;
	config->buf_size = 4096;
	c = compute(config, IMAGE_300K);
	link_us = IMAGE_300K * 1e6 / c.link_Bps;
	g_assert_cmpfloat(link_us, >, (gdouble)c.write_us);
	g_assert_cmpint(c.bound_us, ==, (gint64)ceil(c.erase_us + link_us));
	g_assert_cmpstr(c.limit, ==, "link");
	/* progressive: the erase hides behind the link too */
	config->progressive_erase = TRUE;
	c = compute(config, IMAGE_300K);
	g_assert_cmpint(c.bound_us, ==, (gint64)ceil(MAX(link_us, c.erase_us + c.write_us)));
}

/* no link model: the flash alone, link_Bps null, packets of the whole buffer */
static void
test_no_link(void)
{
	g_autoptr(DfudSimConfig) config = dfud_sim_config_new();
	g_autofree gchar *json = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *o;
	DfudSimCapacity c;

	config->progressive_erase = TRUE;
	c = compute(config, IMAGE_300K);
	g_assert_false(c.has_link);
	g_assert_cmpstr(c.limit, ==, "flash");
	g_assert_cmpuint(c.packet, ==, config->buf_size);
	g_assert_cmpint(c.bound_us, ==, c.erase_us + c.write_us);
	json = dfud_sim_capacity_to_json(&c);
	g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_true(json_object_has_member(o, "link_Bps"));
	g_assert_true(json_object_get_null_member(o, "link_Bps"));
	g_assert_cmpstr(json_object_get_string_member(o, "limit"), ==, "flash");
}

/* the JSON carries every key with the computed values */
static void
test_json(void)
{
	static const gchar *const keys[] = {
	    "image_bytes", "packet",	"data_per_packet",   "link_Bps", "flash",	 "erase_us",
	    "write_us",	   "flash_Bps", "progressive_erase", "bound_us", "capacity_Bps", "limit"};
	g_autoptr(DfudSimConfig) config = config_with_link();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *json = NULL;
	JsonObject *o;
	DfudSimCapacity c;

	config->progressive_erase = TRUE;
	c = compute(config, IMAGE_300K);
	json = dfud_sim_capacity_to_json(&c);
	g_assert_null(strchr(json, '\n'));
	g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpuint(json_object_get_size(o), ==, G_N_ELEMENTS(keys));
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
		g_assert_true(json_object_has_member(o, keys[i]));
	g_assert_cmpint(json_object_get_int_member(o, "image_bytes"), ==, IMAGE_300K);
	g_assert_cmpint(json_object_get_int_member(o, "packet"), ==, (gint64)c.packet);
	g_assert_cmpint(json_object_get_int_member(o, "data_per_packet"), ==,
			(gint64)c.data_per_packet);
	assert_within(json_object_get_double_member(o, "link_Bps"), c.link_Bps, 1e-12);
	assert_within(json_object_get_double_member(o, "flash_Bps"), c.flash_Bps, 1e-12);
	assert_within(json_object_get_double_member(o, "capacity_Bps"), c.capacity_Bps, 1e-12);
	g_assert_cmpint(json_object_get_int_member(o, "erase_us"), ==, c.erase_us);
	g_assert_cmpint(json_object_get_int_member(o, "write_us"), ==, c.write_us);
	g_assert_cmpint(json_object_get_int_member(o, "bound_us"), ==, c.bound_us);
	g_assert_true(json_object_get_boolean_member(o, "progressive_erase"));
	g_assert_cmpstr(json_object_get_string_member(o, "flash"), ==, "nrf52840");
	g_assert_cmpstr(json_object_get_string_member(o, "limit"), ==, "flash");
}

/* data_per_packet is the largest data an upload request of `packet` bytes carries near the
 * image's end, as the SMP codec encodes it */
static void
test_data_per_packet(void)
{
	g_autoptr(DfudSimConfig) config = config_with_link();
	const guint buf_sizes[] = {64, 384, 2048, 2475, 4096};
	g_autofree guint8 *data = g_malloc0(8192);

	for (guint i = 0; i < G_N_ELEMENTS(buf_sizes); i++) {
		DfudSimCapacity c;
		DfudSmpUploadChunk chunk = {.data = data, .len = IMAGE_300K};
		g_autoptr(GBytes) fits = NULL;
		g_autoptr(GBytes) over = NULL;

		config->buf_size = buf_sizes[i];
		c = compute(config, IMAGE_300K);
		g_assert_cmpuint(c.data_per_packet, >, 0);
		chunk.data_len = c.data_per_packet;
		chunk.off = IMAGE_300K - c.data_per_packet;
		fits = dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &chunk, NULL);
		g_assert_nonnull(fits);
		g_assert_cmpuint(g_bytes_get_size(fits), <=, c.packet);
		chunk.data_len++;
		chunk.off--;
		over = dfud_smp_request_image_upload(DFUD_SMP_VERSION_2, 0, &chunk, NULL);
		g_assert_nonnull(over);
		g_assert_cmpuint(g_bytes_get_size(over), >, c.packet);
	}
}

/* the packet: the buffer or whole ATT writes below it, whichever carries image data fastest */
static void
test_packet_choice(void)
{
	const guint mtus[] = {23, 247, 498};
	const guint buf_sizes[] = {384, 2048, 4096};
	const guint intervals[] = {7500, 15000, 30000, 50000};

	for (guint m = 0; m < G_N_ELEMENTS(mtus); m++) {
		for (guint b = 0; b < G_N_ELEMENTS(buf_sizes); b++) {
			for (guint i = 0; i < G_N_ELEMENTS(intervals); i++) {
				g_autoptr(DfudSimConfig) config = config_with_link();
				DfudSimCapacity c;
				DfudSmpUploadChunk end = {.off = IMAGE_300K - 1,
							  .len = G_MAXUINT64};
				gdouble whole;
				guint att = mtus[m] - 3;

				config->link.att_mtu = mtus[m];
				config->link.conn_interval_us = intervals[i];
				config->buf_size = buf_sizes[b];
				c = compute(config, IMAGE_300K);
				g_assert_cmpuint(c.packet, <=, buf_sizes[b]);
				g_assert_true(c.packet == buf_sizes[b] || c.packet % att == 0);
				/* never worse than packets of the whole buffer */
				whole = dfud_sim_link_capacity(&config->link, DFUD_SIM_LINK_UP,
							       buf_sizes[b]) *
					dfud_smp_upload_max_data(&end, buf_sizes[b], 1) /
					buf_sizes[b];
				g_assert_cmpfloat(c.link_Bps, >=, whole);
				g_assert_cmpfloat(c.link_Bps, >, 0.0);
			}
		}
	}
}

static void
test_errors(void)
{
	g_autoptr(DfudSimConfig) config = config_with_link();
	g_autoptr(GError) error = NULL;
	DfudSimCapacity c;

	g_assert_false(dfud_sim_capacity_compute(config, 0, &c, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* beyond slot 0 */
	g_assert_false(dfud_sim_capacity_compute(config, config->slot_size + 1, &c, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "slot"));
	g_clear_error(&error);
	g_assert_true(dfud_sim_capacity_compute(config, config->slot_size, &c, &error));
	/* a bad config */
	config->buf_count = 0;
	g_assert_false(dfud_sim_capacity_compute(config, IMAGE_300K, &c, &error));
	g_assert_nonnull(strstr(error->message, "--buf-count"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/capacity/flash-presets", test_flash_presets);
	g_test_add_func("/sim/capacity/validate-model", test_validate_model);
	g_test_add_func("/sim/capacity/link-2m", test_link_2m);
	g_test_add_func("/sim/capacity/flash-progressive", test_flash_progressive);
	g_test_add_func("/sim/capacity/erase-first", test_erase_first);
	g_test_add_func("/sim/capacity/no-link", test_no_link);
	g_test_add_func("/sim/capacity/json", test_json);
	g_test_add_func("/sim/capacity/data-per-packet", test_data_per_packet);
	g_test_add_func("/sim/capacity/packet-choice", test_packet_choice);
	g_test_add_func("/sim/capacity/errors", test_errors);
	return g_test_run();
}
