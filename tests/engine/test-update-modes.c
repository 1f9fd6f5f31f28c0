/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every MCUboot mode dfud-sim models (spec §3.5) × every update mode, with the outcome of the
 * table in dfud(8): what dfud does, what success means, what it refuses before the first
 * byte. Generated from one table; each case starts its own simulator (instant flash, short
 * reset delay).
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name
#define RUNNING "hashonly_1k_v1.2.3+4.bin"
#define NEW "hashonly_60k_v2.0.0.bin"
/* RAM-load runs RAM_LOAD builds only (MCUboot loader.c: BOOT_EBADIMAGE without
 * IMAGE_F_RAM_LOAD): a 0.9.1 image runs, the 1.0.0 RAM-load build is the update */
#define RAM_RUNNING "prottlv-mix-ed25519_4k_v0.9.1+77.bin"
#define RAM_NEW "ramload-hashonly_1k_v1.0.0.bin"

/* the update modes of a case: dfud's four, and test-only with accept-permanent */
typedef enum {
	RUN_TEST_AND_CONFIRM,
	RUN_CONFIRM_ONLY,
	RUN_TEST_ONLY,
	RUN_TEST_ONLY_ACCEPT,
	RUN_UPLOAD_ONLY,
	N_RUNS,
} Run;

static const gchar *const run_names[] = {"test-and-confirm", "confirm-only", "test-only",
					 "test-only-accept-permanent", "upload-only"};

/* what a case must end in: an outcome (error 0) or a refusal */
typedef struct {
	gint error; /* a DfudErrorCode, or -1 for success */
	DfudUpdateOutcome outcome;
} Expect;

#define OK(o) {-1, DFUD_UPDATE_OUTCOME_##o}
#define FAIL(e) {DFUD_ERROR_##e, 0}

typedef struct {
	const gchar *bootloader;
	const gchar *extra; /* one more dfud-sim option, or NULL; "--ram": the RAM-load images */
	DfudUpdateStrategy strategy;
	gboolean state_write; /* the mode's application has an image state write (spec §4.2) */
	guint resets;	      /* resets of a complete update: 2 when it enters a loader first */
	Expect expect[N_RUNS];
} ModeCase;

static const ModeCase modes[] = {
    {"swap-move", NULL, DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"swap-scratch", NULL, DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"swap-offset", NULL, DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"overwrite-only", NULL, DFUD_UPDATE_STRATEGY_OVERWRITE, TRUE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"direct-xip", NULL, DFUD_UPDATE_STRATEGY_DIRECT_XIP, FALSE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"direct-xip-revert", NULL, DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    /* reported as -1 (see below): known by its lack of a state write */
    {"ram-load", "--ram", DFUD_UPDATE_STRATEGY_RAM_LOAD, FALSE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"firmware-loader", NULL, DFUD_UPDATE_STRATEGY_LOADER, FALSE, 2,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    /* one slot and no loader the application can reset into (dfud-sim models no serial
     * recovery): refused after one reset, before any upload */
    {"single-slot", NULL, DFUD_UPDATE_STRATEGY_LOADER, FALSE, 1,
     {FAIL(LOADER_NEEDED), FAIL(LOADER_NEEDED), FAIL(PERMANENT_INSTALL), FAIL(LOADER_NEEDED),
      FAIL(LOADER_NEEDED)}},
    /* Zephyr reports no mode for RAM-load builds (-1); single-slot RAM-load has the state
     * write: its slot info, one slot for image 0, says single application */
    {"single-slot-ram-load", "--slot-info", DFUD_UPDATE_STRATEGY_LOADER, TRUE, 1,
     {FAIL(LOADER_NEEDED), FAIL(LOADER_NEEDED), FAIL(PERMANENT_INSTALL), FAIL(LOADER_NEEDED),
      FAIL(LOADER_NEEDED)}},
    /* without slot info, single-slot RAM-load (which has the state write) looks like a swap
     * device: its one slot is refused (NO_FREE_SLOT) at the first chunk, before anything is
     * erased */
    {"single-slot-ram-load", NULL, DFUD_UPDATE_STRATEGY_SWAP, TRUE, 0,
     {FAIL(DEVICE), FAIL(DEVICE), FAIL(DEVICE), FAIL(DEVICE), FAIL(DEVICE)}},
};

typedef struct {
	const ModeCase *mode;
	Run run;
} Case;

static void
options_for(DfudUpdateOptions *options, Run run)
{
	engine_test_options(options);
	/* the firmware loader and single slot: a device coming back as before is known after this */
	options->reset_grace_ms = 1000;
	options->mode = run == RUN_CONFIRM_ONLY	 ? DFUD_UPDATE_MODE_CONFIRM_ONLY
			: run == RUN_UPLOAD_ONLY ? DFUD_UPDATE_MODE_UPLOAD_ONLY
			: run == RUN_TEST_ONLY || run == RUN_TEST_ONLY_ACCEPT
			    ? DFUD_UPDATE_MODE_TEST_ONLY
			    : DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	options->accept_permanent = run == RUN_TEST_ONLY_ACCEPT;
}

static void
check_case(gconstpointer data)
{
	const Case *c = data;
	const Expect *want = &c->mode->expect[c->run];
	gboolean ram = g_strcmp0(c->mode->extra, "--ram") == 0;
	g_autoptr(EngineSim) sim = engine_sim_start(
	    "--slot0", ram ? DATA(RAM_RUNNING) : DATA(RUNNING), "--bootloader",
	    c->mode->bootloader, "--time-scale", "0", "--reset-delay", "20",
	    ram ? NULL : c->mode->extra, NULL);
	g_autoptr(DfudPackage) package = engine_load_package(ram ? RAM_NEW : NEW);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;
	gboolean resets;
	guint uploads;
	guint runs;

	options_for(&options, c->run);
	error = engine_run_update_full(sim->uri, package, &options, &last);
	runs = 1;
	if (want->error >= 0) {
		g_assert_error(error, DFUD_ERROR, want->error);
		g_clear_error(&error);
	} else {
		g_assert_no_error(error);
		g_assert_true(last.planned);
		g_assert_cmpint(last.steps.strategy, ==, c->mode->strategy);
		g_assert_cmpstr(dfud_update_outcome_to_string(last.steps.outcome), ==,
				dfud_update_outcome_to_string(want->outcome));
	}

	/* what success means, asked of the device with a second default run */
	if (want->error < 0 && want->outcome != DFUD_UPDATE_OUTCOME_UPLOADED) {
		DfudUpdateOptions again;
		options_for(&again, RUN_TEST_AND_CONFIRM);
		error = engine_run_update(sim->uri, package, &again);
		runs++;
		if (want->outcome == DFUD_UPDATE_OUTCOME_TESTING) {
			/* it runs in test: the rerun only confirms it */
			g_assert_no_error(error);
		} else {
			g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
			g_clear_error(&error);
		}
	}
	engine_sim_stop(sim);

	uploads = engine_sim_count_requests(sim, "image upload");
	resets = engine_sim_count_requests(sim, "os reset");
	if (want->error == DFUD_ERROR_PERMANENT_INSTALL) {
		/* refused before the first byte */
		g_assert_cmpuint(uploads, ==, 0);
		g_assert_cmpuint(resets, ==, 0);
		return;
	}
	if (want->error == DFUD_ERROR_DEVICE) {
		/* the first chunk refused: nothing written, no reset */
		g_assert_cmpuint(uploads, ==, 1);
		g_assert_cmpuint(resets, ==, 0);
		return;
	}
	if (want->error == DFUD_ERROR_WRONG_SLOT) {
		/* an image the mode cannot run: refused before the first byte and the reset */
		g_assert_cmpuint(uploads, ==, 0);
		g_assert_cmpuint(resets, ==, 0);
		return;
	}
	if (want->error == DFUD_ERROR_LOADER_NEEDED) {
		/* one reset into a loader that did not come, nothing uploaded */
		g_assert_cmpuint(uploads, ==, 0);
		g_assert_cmpuint(resets, ==, 1);
		return;
	}
	g_assert_cmpuint(uploads, >=, ram ? 1 : 61992 / 1500);
	/* none, but the probe of each run where the device does not report its mode (RAM-load):
	 * a test of a hash no slot holds, which such an application answers with rc 8 */
	if (!c->mode->state_write)
		g_assert_cmpuint(engine_sim_count_requests(sim, "image state write"), ==,
				 g_str_has_suffix(c->mode->bootloader, "ram-load") ? runs : 0);
	/* upload-only: no reset but the one into a loader */
	g_assert_cmpuint(resets, ==, c->run == RUN_UPLOAD_ONLY ? c->mode->resets - 1
							       : c->mode->resets);
}

/*
 * upload-only leaves a firmware-loader device in its loader with the image in slot 0; the next
 * run finds the loader running (slot 1 active), sends nothing again, resets into the
 * application and verifies it
 */
static void
test_loader_rerun(void)
{
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA(RUNNING), "--bootloader", "firmware-loader",
			     "--time-scale", "0", "--reset-delay", "20", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(NEW);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;
	guint uploads;

	options_for(&options, RUN_UPLOAD_ONLY);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_no_error(error);
	options_for(&options, RUN_TEST_AND_CONFIRM);
	error = engine_run_update_full(sim->uri, package, &options, &last);
	g_assert_no_error(error);
	g_assert_cmpint(last.steps.outcome, ==, DFUD_UPDATE_OUTCOME_PERMANENT);
	error = engine_run_update(sim->uri, package, &options);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO);
	engine_sim_stop(sim);
	uploads = engine_sim_count_requests(sim, "image upload");
	/* the image went once; one reset into the loader, one out of it */
	g_assert_cmpuint(uploads, >=, 61992 / 1500);
	g_assert_cmpuint(uploads, <, 2 * (61992 / 1500));
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 2);
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);

	g_test_init(&argc, &argv, NULL);
	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		for (guint r = 0; r < N_RUNS; r++) {
			Case *c = g_new0(Case, 1);
			const gchar *extra = modes[m].extra;
			g_autofree gchar *path = g_strdup_printf(
			    "/engine/modes/%s%s/%s", modes[m].bootloader,
			    extra != NULL && g_strcmp0(extra, "--ram") != 0 ? extra : "",
			    run_names[r]);
			c->mode = &modes[m];
			c->run = (Run)r;
			g_ptr_array_add(cases, c);
			g_test_add_data_func(path, c, check_case);
		}
	}
	g_test_add_func("/engine/modes/firmware-loader/rerun-in-loader", test_loader_rerun);
	return g_test_run();
}
