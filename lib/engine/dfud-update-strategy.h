/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "engine/dfud-update-options.h"

G_BEGIN_DECLS

/*
 * Internal to the engine: what an update does, given the device's MCUboot mode (bootloader
 * info, spec §3.5) and the update mode the caller asked for; decided before the first byte is
 * sent. dfud(8) has the table this encodes.
 */
typedef enum {
	DFUD_UPDATE_STRATEGY_SWAP,		/* swap-scratch/-move/-offset; a mode not reported */
	DFUD_UPDATE_STRATEGY_OVERWRITE,		/* overwrite-only: no test boot, no revert */
	DFUD_UPDATE_STRATEGY_DIRECT_XIP,	/* runs from either slot, highest version; no state */
	DFUD_UPDATE_STRATEGY_DIRECT_XIP_REVERT, /* idem, with test and confirm */
	DFUD_UPDATE_STRATEGY_RAM_LOAD,		/* highest version copied to RAM; no state */
	DFUD_UPDATE_STRATEGY_LOADER, /* firmware loader / single slot: update from the loader */
	DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY, /* MCUboot's serial recovery writes slot 0 over the
						 image that ran: no test, no way back */
} DfudUpdateStrategy;

typedef enum {
	DFUD_UPDATE_MARK_NONE,	  /* no image state write: the mode has none */
	DFUD_UPDATE_MARK_TEST,	  /* test image 0 (others as dfud_update_steps_mark_confirms) */
	DFUD_UPDATE_MARK_CONFIRM, /* confirm every image before the reset */
} DfudUpdateMarkKind;

typedef enum {
	DFUD_UPDATE_OUTCOME_CONFIRMED, /* runs, confirmed after the verified boot */
	DFUD_UPDATE_OUTCOME_PERMANENT, /* runs, and the bootloader has nothing to go back to */
	DFUD_UPDATE_OUTCOME_TESTING,   /* runs in test: back to the old image at the next reset
					  unless the image confirms itself */
	DFUD_UPDATE_OUTCOME_MARKED,    /* marked, not reset (no-reset): runs after the next reset */
	DFUD_UPDATE_OUTCOME_UPLOADED,  /* only uploaded */
} DfudUpdateOutcome;

typedef struct {
	gint32 bootloader_mode; /* as reported, -1 when not */
	DfudUpdateStrategy strategy;
	DfudUpdateMarkKind mark;
	gboolean enter_loader;	/* reset into the loader (os reset boot_mode 1) before uploading */
	gboolean reset;		/* reset after the upload (and mark), then verify */
	gboolean confirm_after; /* confirm image 0 after the verified boot */
	gboolean newer_only;	/* the bootloader boots the highest version only */
	DfudUpdateOutcome outcome; /* what success means */
} DfudUpdateSteps;

/*
 * Fills @steps for the device's MCUboot @bootloader_mode (-1: not reported) and @options.
 * A mode not reported is taken from @state_write (-1 not known, 0 the application has no
 * image state write, 1 it has) and @ram_load (the images are RAM-load builds): no state write
 * is RAM-load for RAM-load builds (Zephyr reports no RAM-load mode), else direct-XIP; anything
 * else the swap recipe. DFUD_ERROR_PERMANENT_INSTALL for test-only on a mode without revert
 * unless options->accept_permanent.
 */
gboolean dfud_update_steps_init(DfudUpdateSteps *steps, gint32 bootloader_mode, gint state_write,
				gboolean ram_load, const DfudUpdateOptions *options,
				GError **error);
/*
 * Fills @steps for an update through MCUboot's serial recovery: the device answers from it
 * (@in_recovery) or is reset into it first (os reset boot_mode 1). DFUD_ERROR_RECOVERY_NEEDED
 * for a device in recovery without options->recovery (its upload overwrites the only image:
 * never without the caller's word, never a swap recipe it cannot run), PermanentInstall as
 * dfud_update_steps_init for test-only.
 */
gboolean dfud_update_steps_init_recovery(DfudUpdateSteps *steps, gboolean in_recovery,
					 const DfudUpdateOptions *options, GError **error);
/* the slot (within an image) an upload lands in, given the slot that runs now (-1: none) */
guint dfud_update_steps_upload_slot(const DfudUpdateSteps *steps, gint active_slot);
/* the slot the new image runs from once installed */
guint dfud_update_steps_run_slot(const DfudUpdateSteps *steps, gint active_slot);
/* TRUE when a slot holding the installed image in test may be confirmed (interrupted update) */
gboolean dfud_update_steps_can_confirm(const DfudUpdateSteps *steps);

const gchar *dfud_update_strategy_to_string(DfudUpdateStrategy strategy);
const gchar *dfud_update_outcome_to_string(DfudUpdateOutcome outcome);
/* "none", "test", "confirm" */
const gchar *dfud_update_mark_kind_to_string(DfudUpdateMarkKind mark);
/* one line for people: "overwrite-only: upload, confirm (no test boot exists), reset, verify" */
gchar *dfud_update_steps_describe(const DfudUpdateSteps *steps);

G_END_DECLS
