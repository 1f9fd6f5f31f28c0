/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include "dfud-error.h"
#include "dfud-update-strategy.h"

/* MCUboot's enum mcuboot_mode (spec §3.5) */
enum {
	MODE_SINGLE_APPLICATION = 0,
	MODE_SWAP_SCRATCH = 1,
	MODE_OVERWRITE_ONLY = 2,
	MODE_SWAP_MOVE = 3,
	MODE_DIRECT_XIP = 4,
	MODE_DIRECT_XIP_REVERT = 5,
	MODE_RAM_LOAD = 6,
	MODE_FIRMWARE_LOADER = 7,
	MODE_SINGLE_RAM_LOAD = 8,
	MODE_SWAP_OFFSET = 9,
};

static DfudUpdateStrategy
strategy_for_mode(gint32 mode)
{
	switch (mode) {
	case MODE_OVERWRITE_ONLY:
		return DFUD_UPDATE_STRATEGY_OVERWRITE;
	case MODE_DIRECT_XIP:
		return DFUD_UPDATE_STRATEGY_DIRECT_XIP;
	case MODE_DIRECT_XIP_REVERT:
		return DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT;
	case MODE_RAM_LOAD:
		return DFUD_UPDATE_STRATEGY_RAM_LOAD;
	/* one application slot (copied to RAM or not): the application's SMP server has no free
	 * slot (upload: rc 9), MCUboot's serial recovery or a firmware loader updates it */
	case MODE_SINGLE_APPLICATION:
	case MODE_SINGLE_RAM_LOAD:
	case MODE_FIRMWARE_LOADER:
		return DFUD_UPDATE_STRATEGY_LOADER;
	case MODE_SWAP_SCRATCH:
	case MODE_SWAP_MOVE:
	case MODE_SWAP_OFFSET:
	default:
		/* not reported (or unknown): the swap recipe, which verifies what booted */
		return DFUD_UPDATE_STRATEGY_SWAP;
	}
}

/* modes whose bootloader can go back to the old image: a test boot exists */
static gboolean
strategy_has_revert(DfudUpdateStrategy strategy)
{
	return strategy == DFUD_UPDATE_STRATEGY_SWAP ||
	       strategy == DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT;
}

/* modes whose application has an image state write (spec §4.2: not registered in direct-XIP,
 * RAM-load and firmware-loader builds) */
static gboolean
strategy_has_state_write(DfudUpdateStrategy strategy)
{
	return strategy == DFUD_UPDATE_STRATEGY_SWAP ||
	       strategy == DFUD_UPDATE_STRATEGY_OVERWRITE ||
	       strategy == DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT;
}

gboolean
dfud_update_steps_init(DfudUpdateSteps *steps, gint32 bootloader_mode, gint state_write,
		       gboolean ram_load, const DfudUpdateOptions *options, GError **error)
{
	DfudUpdateStrategy strategy = strategy_for_mode(bootloader_mode);
	gboolean revert;

	/* the mode unknown, no state write: a bootloader that runs the highest version */
	if ((bootloader_mode < 0 || bootloader_mode > MODE_SWAP_OFFSET) && state_write == 0)
		strategy = ram_load ? DFUD_UPDATE_STRATEGY_RAM_LOAD
				    : DFUD_UPDATE_STRATEGY_DIRECT_XIP;
	revert = strategy_has_revert(strategy);

	*steps = (DfudUpdateSteps){
	    .bootloader_mode = bootloader_mode,
	    .strategy = strategy,
	    .enter_loader = strategy == DFUD_UPDATE_STRATEGY_LOADER,
	    .newer_only = strategy == DFUD_UPDATE_STRATEGY_DIRECT_XIP ||
			  strategy == DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT ||
			  strategy == DFUD_UPDATE_STRATEGY_RAM_LOAD,
	};
	if (options->mode == DFUD_UPDATE_MODE_UPLOAD_ONLY) {
		steps->outcome = DFUD_UPDATE_OUTCOME_UPLOADED;
		return TRUE;
	}
	if (options->mode == DFUD_UPDATE_MODE_TEST_ONLY && !revert && !options->accept_permanent) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_PERMANENT_INSTALL,
			    "the device's MCUboot runs %s: it has no test boot and cannot go back "
			    "to the old image, so test-only would install permanently; accept a "
			    "permanent install (accept-permanent) or use another mode",
			    dfud_update_strategy_to_string(strategy));
		return FALSE;
	}
	if (strategy_has_state_write(strategy)) {
		if (!revert || options->mode == DFUD_UPDATE_MODE_CONFIRM_ONLY)
			steps->mark = DFUD_UPDATE_MARK_CONFIRM;
		else
			steps->mark = DFUD_UPDATE_MARK_TEST;
	}
	steps->reset = !options->no_reset;
	steps->confirm_after = steps->reset && steps->mark == DFUD_UPDATE_MARK_TEST &&
			       options->mode == DFUD_UPDATE_MODE_TEST_AND_CONFIRM;
	if (!steps->reset)
		steps->outcome = DFUD_UPDATE_OUTCOME_MARKED;
	else if (steps->confirm_after)
		steps->outcome = DFUD_UPDATE_OUTCOME_CONFIRMED;
	else if (steps->mark == DFUD_UPDATE_MARK_TEST)
		steps->outcome = DFUD_UPDATE_OUTCOME_TESTING;
	else
		steps->outcome = DFUD_UPDATE_OUTCOME_PERMANENT;
	return TRUE;
}

/*
 * MCUboot's boot_serial (mcu-tools/mcuboot boot/boot_serial/src/boot_serial.c @ 01562f5d,
 * bs_upload(), bs_list()): the upload goes to the primary slot, erased whole by the chunk at
 * offset 0; no image state write (test, confirm: rc 8), so nothing to mark; the reset boots
 * whatever slot 0 holds, and no trailer is left to go back with.
 */
gboolean
dfud_update_steps_init_recovery(DfudUpdateSteps *steps, gboolean in_recovery,
				const DfudUpdateOptions *options, GError **error)
{
	if (!options->recovery) {
		g_set_error_literal(
		    error, DFUD_ERROR, DFUD_ERROR_RECOVERY_NEEDED,
		    "the device answers as MCUboot in serial recovery (no bootloader info, no "
		    "active slot): its upload overwrites the only runnable image in slot 0 with "
		    "no test boot and no way back; pass --recovery (the recovery option) to update "
		    "through it, or reset it into the application first");
		return FALSE;
	}
	*steps = (DfudUpdateSteps){
	    .bootloader_mode = -1,
	    .strategy = DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY,
	    .mark = DFUD_UPDATE_MARK_NONE,
	    .enter_loader = !in_recovery,
	};
	if (options->mode == DFUD_UPDATE_MODE_UPLOAD_ONLY) {
		steps->outcome = DFUD_UPDATE_OUTCOME_UPLOADED;
		return TRUE;
	}
	if (options->mode == DFUD_UPDATE_MODE_TEST_ONLY && !options->accept_permanent) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_PERMANENT_INSTALL,
				    "MCUboot's serial recovery has no test boot and overwrites the "
				    "running image, so test-only would install permanently; accept "
				    "a permanent install (accept-permanent) or use another mode");
		return FALSE;
	}
	steps->reset = !options->no_reset;
	steps->outcome =
	    steps->reset ? DFUD_UPDATE_OUTCOME_PERMANENT : DFUD_UPDATE_OUTCOME_MARKED;
	return TRUE;
}

guint
dfud_update_steps_upload_slot(const DfudUpdateSteps *steps, gint active_slot)
{
	switch (steps->strategy) {
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP:
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT:
		return active_slot == 1 ? 0 : 1;
	case DFUD_UPDATE_STRATEGY_RAM_LOAD:
		return active_slot == 1 ? 0 : 1;
	case DFUD_UPDATE_STRATEGY_LOADER:
	case DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY:
		return 0; /* the loader (boot_serial) writes the application's slot */
	case DFUD_UPDATE_STRATEGY_SWAP:
	case DFUD_UPDATE_STRATEGY_OVERWRITE:
	default:
		return 1;
	}
}

guint
dfud_update_steps_run_slot(const DfudUpdateSteps *steps, gint active_slot)
{
	switch (steps->strategy) {
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP:
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT:
	case DFUD_UPDATE_STRATEGY_RAM_LOAD:
		return dfud_update_steps_upload_slot(steps, active_slot);
	default:
		return 0;
	}
}

gboolean
dfud_update_steps_can_confirm(const DfudUpdateSteps *steps)
{
	return strategy_has_revert(steps->strategy);
}

const gchar *
dfud_update_strategy_to_string(DfudUpdateStrategy strategy)
{
	switch (strategy) {
	case DFUD_UPDATE_STRATEGY_SWAP:
		return "swap";
	case DFUD_UPDATE_STRATEGY_OVERWRITE:
		return "overwrite-only";
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP:
		return "direct-xip";
	case DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT:
		return "direct-xip-with-revert";
	case DFUD_UPDATE_STRATEGY_RAM_LOAD:
		return "ram-load";
	case DFUD_UPDATE_STRATEGY_LOADER:
		return "loader";
	case DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY:
		return "serial-recovery";
	default:
		return "unknown";
	}
}

const gchar *
dfud_update_outcome_to_string(DfudUpdateOutcome outcome)
{
	switch (outcome) {
	case DFUD_UPDATE_OUTCOME_CONFIRMED:
		return "confirmed";
	case DFUD_UPDATE_OUTCOME_PERMANENT:
		return "permanent";
	case DFUD_UPDATE_OUTCOME_TESTING:
		return "testing";
	case DFUD_UPDATE_OUTCOME_MARKED:
		return "marked";
	case DFUD_UPDATE_OUTCOME_UPLOADED:
		return "uploaded";
	default:
		return "unknown";
	}
}

const gchar *
dfud_update_mark_kind_to_string(DfudUpdateMarkKind mark)
{
	switch (mark) {
	case DFUD_UPDATE_MARK_NONE:
		return "none";
	case DFUD_UPDATE_MARK_TEST:
		return "test";
	case DFUD_UPDATE_MARK_CONFIRM:
		return "confirm";
	default:
		return "unknown";
	}
}

gchar *
dfud_update_steps_describe(const DfudUpdateSteps *steps)
{
	GString *s = g_string_new(dfud_update_strategy_to_string(steps->strategy));

	g_string_append(s, ":");
	if (steps->enter_loader && steps->strategy == DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY)
		g_string_append(s, " reset into serial recovery (boot_mode 1),");
	else if (steps->enter_loader)
		g_string_append(s, " reset into the loader (boot_mode 1),");
	g_string_append(s, " upload");
	if (steps->strategy == DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY)
		g_string_append(s, " to slot 0 over the old image (gone: no test, no way back)");
	if (steps->mark == DFUD_UPDATE_MARK_TEST)
		g_string_append(s, ", test");
	else if (steps->mark == DFUD_UPDATE_MARK_CONFIRM)
		g_string_append(s, ", confirm");
	else if (steps->outcome != DFUD_UPDATE_OUTCOME_UPLOADED &&
		 steps->strategy != DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY)
		g_string_append(s, " (no image state write: the mode has none)");
	if (steps->reset)
		g_string_append(s, ", reset, verify");
	if (steps->confirm_after)
		g_string_append(s, ", confirm");
	g_string_append_printf(s, "; success: %s", dfud_update_outcome_to_string(steps->outcome));
	return g_string_free(s, FALSE);
}
