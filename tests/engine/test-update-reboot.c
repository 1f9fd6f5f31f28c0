/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

/*
 * The reboot after the reset, known from evidence (lib/engine/dfud-update-reboot.h) against
 * dfud-sim over UDP, where no link drops: a slow swap, a lost answer or request of the reset, a
 * device that answers as the old firmware during its reset delay, one that never comes back,
 * one without a bootloader that swaps (dfud-sim --bootloader=none, as Zephyr's smp_svr on
 * native_sim).
 */

#define DATA(name) TEST_DATA_DIR "/" name

static GError *
update(EngineSim *sim, const DfudUpdateOptions *options)
{
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");

	return engine_run_update(sim->uri, package, options);
}

/* test options for a simulator that takes real flash time (--time-scale=1): an nRF52840 erases
 * and writes the 60 KiB image in about 2 s */
static void
flash_time_options(DfudUpdateOptions *options)
{
	engine_test_options(options);
	options->first_chunk_timeout_ms = 10000;
	options->last_chunk_timeout_ms = 10000;
	options->chunk_timeout_ms = 2000;
}

/* tens of seconds of swap: silence, then the new image: verified, one reset */
static void
test_slow_swap(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=1",
			     "--swap-time=20000", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	flash_time_options(&options);
	options.reset_timeout_ms = 60000;
	error = update(sim, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/*
 * the reset's answer is lost: not sent again while the device is silent (it reboots) nor after
 * it answers with a changed state (a second reset would revert the test image)
 */
static void
test_reset_answer_lost(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=1",
			     "--swap-time=1500", "--fault", "drop-response:p=1,cmd=os.reset,count=1",
			     NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	flash_time_options(&options);
	error = update(sim, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* a device that is not heard from again: Timeout after Reset, naming the silence since it */
static void
test_never_back(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=1",
			     "--swap-time=600000", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	flash_time_options(&options);
	options.reset_timeout_ms = 3000;
	error = update(sim, &options);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_TIMEOUT);
	/* it answered as the old firmware during its reset delay, then never again */
	g_assert_nonnull(strstr(error->message, "has not answered since"));
	g_assert_nonnull(strstr(error->message, "after the reset"));
	g_assert_null(strstr(error->message, "within 1 ms"));
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/*
 * no bootloader under the application (Zephyr's smp_svr on native_sim): the reset restarts it and
 * the image stays pending. Reverted within seconds (ResetGrace), never a wait for Reset.
 */
static void
no_swap(DfudUpdateMode mode)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--bootloader=none", "--swap-time=10", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	gint64 start = g_get_monotonic_time();

	engine_test_options(&options);
	options.mode = mode;
	options.reset_timeout_ms = 120000;
	options.reset_grace_ms = 2000;
	error = update(sim, &options);
	g_assert_nonnull(error);
	g_test_message("%s", error->message);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED);
	g_assert_nonnull(strstr(error->message, "runs 1.2.3.4"));
	g_assert_nonnull(strstr(error->message, "still pending in slot 1: the bootloader did not "
						"swap"));
	/* the grace, not the reset's timeout: far below 120 s */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 30 * G_USEC_PER_SEC);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_events(sim, "reset"), ==, 1);
}

static void
test_no_swap(void)
{
	no_swap(DFUD_UPDATE_MODE_TEST_AND_CONFIRM);
}

static void
test_no_swap_test_only(void)
{
	no_swap(DFUD_UPDATE_MODE_TEST_ONLY);
}

/* the reset's answer is lost and nothing swaps: the device answers as before, so a second
 * reset (harmless then) is what acknowledges it; then Reverted as above */
static void
test_no_swap_reset_answer_lost(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--bootloader=none", "--fault", "drop-response:p=1,cmd=os.reset,count=1",
			     NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	options.reset_grace_ms = 2000;
	error = update(sim, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 2);
}

/* the reset request is lost: the device answers as before, so it is sent again; it swaps */
static void
test_reset_request_lost(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
			     "--fault", "drop-request:p=1,cmd=os.reset,count=1", NULL);
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;

	engine_test_options(&options);
	error = update(sim, &options);
	g_assert_no_error(error);
	engine_sim_stop(sim);
	g_assert_cmpuint(engine_sim_count_events(sim, "reset"), ==, 1);
}

/*
 * a device that answers as the old firmware for 2 s after acknowledging the reset (its reset
 * delay), then swaps: those answers are not taken for the rebooted firmware's within ResetGrace
 * (verified); with a grace shorter than the delay they would be (Reverted), which is why
 * ResetGrace must exceed the device's reset delay
 */
static void
test_reset_delay(void)
{
	for (guint grace = 0; grace < 2; grace++) {
		g_autoptr(EngineSim) sim = engine_sim_start(
		    "--slot0", DATA("hashonly_1k_v1.2.3+4.bin"), "--time-scale=0",
		    "--reset-delay=2000", NULL);
		g_autoptr(GError) error = NULL;
		DfudUpdateOptions options;

		engine_test_options(&options);
		options.reset_grace_ms = grace == 0 ? 5000 : 1000;
		error = update(sim, &options);
		if (grace == 0)
			g_assert_no_error(error);
		else
			g_assert_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED);
		engine_sim_stop(sim);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/engine/reboot/slow-swap", test_slow_swap);
	g_test_add_func("/engine/reboot/reset-answer-lost", test_reset_answer_lost);
	g_test_add_func("/engine/reboot/never-back", test_never_back);
	g_test_add_func("/engine/reboot/no-swap", test_no_swap);
	g_test_add_func("/engine/reboot/no-swap-test-only", test_no_swap_test_only);
	g_test_add_func("/engine/reboot/no-swap-reset-answer-lost",
			test_no_swap_reset_answer_lost);
	g_test_add_func("/engine/reboot/reset-request-lost", test_reset_request_lost);
	g_test_add_func("/engine/reboot/reset-delay", test_reset_delay);
	return g_test_run();
}
