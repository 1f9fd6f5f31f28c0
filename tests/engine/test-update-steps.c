/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plan per MCUboot mode (dfud-update-strategy.c) without a device: every mode of spec §3.5
 * and a mode not reported, by what the state write probe found, × every update mode, against
 * the table of dfud(8), BOOTLOADER MODES.
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include "dfud-error.h"
#include "engine/dfud-update-strategy.h"

typedef struct {
	gint32 mode;
	gint state_write; /* the probe: -1 not asked, 0 none, 1 present */
	gboolean ram_load;
	DfudUpdateStrategy strategy;
	/* per update mode: test-and-confirm, confirm-only, test-only; "E" = PermanentInstall */
	const gchar *steps[3];
} StepsCase;

/* "MARK/CONFIRM-AFTER/OUTCOME" with MARK n(one), t(est), c(onfirm), CONFIRM-AFTER y/n */
#define SWAP_STEPS {"t/y/confirmed", "c/n/permanent", "t/n/testing"}
#define NO_REVERT(mark) {mark "/n/permanent", mark "/n/permanent", "E"}

static const StepsCase cases[] = {
    {1, -1, FALSE, DFUD_UPDATE_STRATEGY_SWAP, SWAP_STEPS},
    {3, -1, FALSE, DFUD_UPDATE_STRATEGY_SWAP, SWAP_STEPS},
    {9, -1, FALSE, DFUD_UPDATE_STRATEGY_SWAP, SWAP_STEPS},
    {2, -1, FALSE, DFUD_UPDATE_STRATEGY_OVERWRITE, NO_REVERT("c")},
    {4, -1, FALSE, DFUD_UPDATE_STRATEGY_DIRECT_XIP, NO_REVERT("n")},
    {5, -1, FALSE, DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT, SWAP_STEPS},
    {6, -1, TRUE, DFUD_UPDATE_STRATEGY_RAM_LOAD, NO_REVERT("n")},
    {7, -1, FALSE, DFUD_UPDATE_STRATEGY_LOADER, NO_REVERT("n")},
    {0, -1, FALSE, DFUD_UPDATE_STRATEGY_LOADER, NO_REVERT("n")},
    {8, -1, FALSE, DFUD_UPDATE_STRATEGY_LOADER, NO_REVERT("n")},
    /* not reported: the swap recipe, unless the probe found no state write */
    {-1, -1, FALSE, DFUD_UPDATE_STRATEGY_SWAP, SWAP_STEPS},
    {-1, 1, FALSE, DFUD_UPDATE_STRATEGY_SWAP, SWAP_STEPS},
    {-1, 0, FALSE, DFUD_UPDATE_STRATEGY_DIRECT_XIP, NO_REVERT("n")},
    {-1, 0, TRUE, DFUD_UPDATE_STRATEGY_RAM_LOAD, NO_REVERT("n")},
    /* a number MCUboot does not define counts as not reported */
    {42, 0, TRUE, DFUD_UPDATE_STRATEGY_RAM_LOAD, NO_REVERT("n")},
};

static gchar *
describe(const DfudUpdateSteps *steps)
{
	return g_strdup_printf("%c/%c/%s", dfud_update_mark_kind_to_string(steps->mark)[0],
			       steps->confirm_after ? 'y' : 'n',
			       dfud_update_outcome_to_string(steps->outcome));
}

static void
test_steps_table(void)
{
	static const DfudUpdateMode modes[] = {DFUD_UPDATE_MODE_TEST_AND_CONFIRM,
					       DFUD_UPDATE_MODE_CONFIRM_ONLY,
					       DFUD_UPDATE_MODE_TEST_ONLY};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const StepsCase *c = &cases[i];

		for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
			g_autoptr(GError) error = NULL;
			g_autofree gchar *got = NULL;
			DfudUpdateOptions options;
			DfudUpdateSteps steps;
			gboolean ok;

			dfud_update_options_init(&options);
			options.mode = modes[m];
			ok = dfud_update_steps_init(&steps, c->mode, c->state_write, c->ram_load,
						    &options, &error);
			g_test_message("mode %d probe %d %s: %s", c->mode, c->state_write,
				       dfud_update_mode_to_string(modes[m]),
				       ok ? "ok" : error->message);
			if (g_strcmp0(c->steps[m], "E") == 0) {
				g_assert_false(ok);
				g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PERMANENT_INSTALL);
				/* unless the caller accepts it: then for good */
				g_clear_error(&error);
				options.accept_permanent = TRUE;
				g_assert_true(dfud_update_steps_init(&steps, c->mode,
								     c->state_write, c->ram_load,
								     &options, &error));
				g_assert_cmpint(steps.outcome, ==, DFUD_UPDATE_OUTCOME_PERMANENT);
				continue;
			}
			g_assert_no_error(error);
			g_assert_cmpint(steps.strategy, ==, c->strategy);
			g_assert_cmpint(steps.bootloader_mode, ==, c->mode);
			g_assert_true(steps.reset);
			g_assert_cmpint(steps.enter_loader, ==,
					c->strategy == DFUD_UPDATE_STRATEGY_LOADER);
			got = describe(&steps);
			g_assert_cmpstr(got, ==, c->steps[m]);
		}
	}
}

/* upload-only uploads (into the loader where there is one); no-reset marks */
static void
test_steps_upload_only_no_reset(void)
{
	g_autoptr(GError) error = NULL;
	DfudUpdateOptions options;
	DfudUpdateSteps steps;

	dfud_update_options_init(&options);
	options.mode = DFUD_UPDATE_MODE_UPLOAD_ONLY;
	g_assert_true(dfud_update_steps_init(&steps, 7, -1, FALSE, &options, &error));
	g_assert_cmpint(steps.outcome, ==, DFUD_UPDATE_OUTCOME_UPLOADED);
	g_assert_cmpint(steps.mark, ==, DFUD_UPDATE_MARK_NONE);
	g_assert_false(steps.reset);
	g_assert_true(steps.enter_loader);

	dfud_update_options_init(&options);
	options.no_reset = TRUE;
	g_assert_true(dfud_update_steps_init(&steps, 3, -1, FALSE, &options, &error));
	g_assert_cmpint(steps.outcome, ==, DFUD_UPDATE_OUTCOME_MARKED);
	g_assert_cmpint(steps.mark, ==, DFUD_UPDATE_MARK_TEST);
	g_assert_false(steps.reset);
	g_assert_false(steps.confirm_after);
}

/* where uploads land and images run: the inactive slot in direct-XIP and RAM-load */
static void
test_steps_slots(void)
{
	static const struct {
		gint32 mode;
		gint active;
		guint upload, run;
	} slots[] = {
	    {3, 0, 1, 0}, {2, 0, 1, 0}, {4, 0, 1, 1}, {4, 1, 0, 0}, {5, 1, 0, 0},
	    {6, 0, 1, 1}, {6, 1, 0, 0}, {7, 0, 0, 0}, {7, 1, 0, 0}, {4, -1, 1, 1},
	};
	DfudUpdateOptions options;

	dfud_update_options_init(&options);
	for (guint i = 0; i < G_N_ELEMENTS(slots); i++) {
		DfudUpdateSteps steps;
		g_assert_true(dfud_update_steps_init(&steps, slots[i].mode, -1, FALSE, &options, NULL));
		g_assert_cmpuint(dfud_update_steps_upload_slot(&steps, slots[i].active), ==,
				 slots[i].upload);
		g_assert_cmpuint(dfud_update_steps_run_slot(&steps, slots[i].active), ==,
				 slots[i].run);
	}
}

/* serial recovery: only with the recovery option; slot 0, nothing to mark, permanent; test-only
 * as a mode without revert; entered by boot_mode 1 when the device is not in it */
static void
test_steps_recovery(void)
{
	static const DfudUpdateMode modes[] = {DFUD_UPDATE_MODE_TEST_AND_CONFIRM,
					       DFUD_UPDATE_MODE_CONFIRM_ONLY,
					       DFUD_UPDATE_MODE_TEST_ONLY};
	static const gchar *const want[] = {"n/n/permanent", "n/n/permanent", "E"};
	DfudUpdateOptions options;
	DfudUpdateSteps steps;

	dfud_update_options_init(&options);
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(dfud_update_steps_init_recovery(&steps, TRUE, &options, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_RECOVERY_NEEDED);
	}
	options.recovery = TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = NULL;

		options.mode = modes[i];
		if (want[i][0] == 'E') {
			g_assert_false(
			    dfud_update_steps_init_recovery(&steps, TRUE, &options, &error));
			g_assert_error(error, DFUD_ERROR, DFUD_ERROR_PERMANENT_INSTALL);
			continue;
		}
		g_assert_true(dfud_update_steps_init_recovery(&steps, TRUE, &options, &error));
		got = describe(&steps);
		g_assert_cmpstr(got, ==, want[i]);
		g_assert_cmpint(steps.strategy, ==, DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY);
		g_assert_true(steps.reset);
		g_assert_false(steps.enter_loader);
		g_assert_cmpuint(dfud_update_steps_upload_slot(&steps, -1), ==, 0);
		g_assert_cmpuint(dfud_update_steps_run_slot(&steps, -1), ==, 0);
		g_assert_false(dfud_update_steps_can_confirm(&steps));
	}
	options.mode = DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	g_assert_true(dfud_update_steps_init_recovery(&steps, FALSE, &options, NULL));
	g_assert_true(steps.enter_loader);
	options.mode = DFUD_UPDATE_MODE_UPLOAD_ONLY;
	g_assert_true(dfud_update_steps_init_recovery(&steps, TRUE, &options, NULL));
	g_assert_cmpint(steps.outcome, ==, DFUD_UPDATE_OUTCOME_UPLOADED);
	g_assert_false(steps.reset);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/steps/table", test_steps_table);
	g_test_add_func("/engine/steps/upload-only-no-reset", test_steps_upload_only_no_reset);
	g_test_add_func("/engine/steps/slots", test_steps_slots);
	g_test_add_func("/engine/steps/recovery", test_steps_recovery);
	return g_test_run();
}
