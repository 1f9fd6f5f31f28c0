/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

/*
 * A real network between dfud and a device over UDP, as dfud-sim models it: a path whose IP MTU
 * is smaller than dfud assumes (the device reassembles no IP fragments: the big datagrams never
 * arrive), a device whose two SMP buffers are still held right after it answered, loss.
 */

#define DATA(name) TEST_DATA_DIR "/" name

static GError *
update_uri(const gchar *uri)
{
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	DfudUpdateOptions options;

	engine_test_options(&options);
	/* what the network costs here is seconds, not the test's short timeouts */
	options.first_chunk_timeout_ms = 10000;
	options.last_chunk_timeout_ms = 10000;
	options.chunk_timeout_ms = 2500;
	options.command_timeout_ms = 5000;
	return engine_run_update(uri, package, &options);
}

/* the largest upload request the device processed */
static gint64
largest_upload(EngineSim *sim)
{
	g_autoptr(GArray) sizes = engine_sim_upload_sizes(sim);
	gint64 largest = 0;

	for (guint i = 0; i < sizes->len; i++)
		largest = MAX(largest, g_array_index(sizes, gint64, i));
	return largest;
}

/*
 * a 1400-byte path: dfud's 1472-byte datagrams never arrive, an echo does: the packets step
 * down and the update completes; with the path's MTU in the URI nothing is lost at all
 */
static void
test_ip_mtu(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--buf-size=2048", "--ip-mtu=1400", NULL);
	g_autoptr(EngineSim) told = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = NULL;

	error = update_uri(sim->uri);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_events(sim, "drop"), >, 0);
	g_assert_cmpint(largest_upload(sim), <=, 1400 - 28);

	told = engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
				"--buf-size=2048", "--ip-mtu=1400", NULL);
	uri = g_strdup_printf("%s?mtu=1400", told->uri);
	error = update_uri(uri);
	g_assert_no_error(error);
	engine_sim_stop(told);
	g_assert_cmpuint(engine_sim_count_events(told, "drop"), ==, 0);
	g_assert_cmpint(largest_upload(told), ==, 1400 - 28);
}

/*
 * the MCUboot board's SMP pool: two buffers of 2048 bytes, held a little after each answer, so a
 * request sent right after an answer may find none and is lost; copies make up for it
 */
static void
test_two_buffers(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--buf-size=2048", "--buf-count=2", "--buf-release-us=500", NULL);
	g_autoptr(GError) error = NULL;

	error = update_uri(sim->uri);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_test_message("%u requests lost for want of a buffer",
		       engine_sim_count_events(sim, "drop"));
}

/* 5% of the requests and 5% of the answers lost, seeded: the update completes verified */
static void
test_loss(void)
{
	for (guint seed = 1; seed <= 3; seed++) {
		g_autofree gchar *seed_arg = g_strdup_printf("--seed=%u", seed);
		g_autoptr(EngineSim) sim = engine_sim_start(
		    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
		    "--buf-size=2048", "--buf-count=2", seed_arg, "--fault", "drop-request:p=0.05",
		    "--fault", "drop-response:p=0.05", NULL);
		g_autoptr(GError) error = NULL;

		error = update_uri(sim->uri);
		g_assert_no_error(error);
		engine_sim_stop(sim);
		g_assert_cmpuint(engine_sim_count_events(sim, "drop"), >, 0);
		g_assert_cmpuint(engine_sim_count_events(sim, "reset"), ==, 1);
	}
}

/*
 * a device that answers big requests with rc 3 (a BLE device without the buffers to reassemble
 * them answers so, issue 13): the packets step down a quarter at a time and the upload goes on
 */
static void
test_rc3_steps_down(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--buf-size=2048", "--fault", "error:cmd=image.upload,rc=3,count=2",
			     NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) sizes = NULL;

	error = update_uri(sim->uri);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_events(sim, "fault"), ==, 2);
	/* 1472, then 1104, then 828 bytes */
	sizes = engine_sim_upload_sizes(sim);
	g_assert_cmpint(g_array_index(sizes, gint64, sizes->len - 1), <=, 828);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/engine/network/ip-mtu", test_ip_mtu);
	g_test_add_func("/engine/network/two-buffers", test_two_buffers);
	g_test_add_func("/engine/network/loss", test_loss);
	g_test_add_func("/engine/network/rc3-steps-down", test_rc3_steps_down);
	return g_test_run();
}
