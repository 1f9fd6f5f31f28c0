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
	DfudUpdateStrategy strategy;
	gboolean state_write; /* the mode's application has an image state write (spec §4.2) */
	guint resets;	      /* resets of a complete update: 2 when it enters a loader first */
	Expect expect[N_RUNS];
} ModeCase;

static const ModeCase modes[] = {
    {"swap-move", DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"swap-scratch", DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"swap-offset", DFUD_UPDATE_STRATEGY_SWAP, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"overwrite-only", DFUD_UPDATE_STRATEGY_OVERWRITE, TRUE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"direct-xip", DFUD_UPDATE_STRATEGY_DIRECT_XIP, FALSE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"direct-xip-revert", DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT, TRUE, 1,
     {OK(CONFIRMED), OK(PERMANENT), OK(TESTING), OK(TESTING), OK(UPLOADED)}},
    {"ram-load", DFUD_UPDATE_STRATEGY_RAM_LOAD, FALSE, 1,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    {"firmware-loader", DFUD_UPDATE_STRATEGY_LOADER, FALSE, 2,
     {OK(PERMANENT), OK(PERMANENT), FAIL(PERMANENT_INSTALL), OK(PERMANENT), OK(UPLOADED)}},
    /* one slot and no loader the application can reset into (dfud-sim models no serial
     * recovery): refused after one reset, before any upload */
    {"single-slot", DFUD_UPDATE_STRATEGY_LOADER, FALSE, 1,
     {FAIL(LOADER_NEEDED), FAIL(LOADER_NEEDED), FAIL(PERMANENT_INSTALL), FAIL(LOADER_NEEDED),
      FAIL(LOADER_NEEDED)}},
    {"single-slot-ram-load", DFUD_UPDATE_STRATEGY_LOADER, FALSE, 1,
     {FAIL(LOADER_NEEDED), FAIL(LOADER_NEEDED), FAIL(PERMANENT_INSTALL), FAIL(LOADER_NEEDED),
      FAIL(LOADER_NEEDED)}},
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
	g_autoptr(EngineSim) sim =
	    engine_sim_start("--slot0", DATA(RUNNING), "--bootloader", c->mode->bootloader,
			     "--time-scale", "0", "--reset-delay", "20", NULL);
	g_autoptr(DfudPackage) package = engine_load_package(NEW);
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last = {0};
	DfudUpdateOptions options;
	gboolean resets;
	guint uploads;

	options_for(&options, c->run);
	error = engine_run_update_full(sim->uri, package, &options, &last);
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
	if (want->error == DFUD_ERROR_LOADER_NEEDED) {
		/* one reset into a loader that did not come, nothing uploaded */
		g_assert_cmpuint(uploads, ==, 0);
		g_assert_cmpuint(resets, ==, 1);
		return;
	}
	g_assert_cmpuint(uploads, >=, 61992 / 1500);
	if (!c->mode->state_write)
		g_assert_cmpuint(engine_sim_count_requests(sim, "image state write"), ==, 0);
	/* upload-only: no reset but the one into a loader */
	g_assert_cmpuint(resets, ==, c->run == RUN_UPLOAD_ONLY ? c->mode->resets - 1
							       : c->mode->resets);
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);

	g_test_init(&argc, &argv, NULL);
	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		for (guint r = 0; r < N_RUNS; r++) {
			Case *c = g_new0(Case, 1);
			g_autofree gchar *path = g_strdup_printf("/engine/modes/%s/%s",
								 modes[m].bootloader, run_names[r]);
			c->mode = &modes[m];
			c->run = (Run)r;
			g_ptr_array_add(cases, c);
			g_test_add_data_func(path, c, check_case);
		}
	}
	return g_test_run();
}
