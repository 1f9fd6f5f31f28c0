/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "engine/dfud-update-options.h"
#include "engine/dfud-update-strategy.h"
#include "package/dfud-package.h"
#include "smp/dfud-smp.h"

G_BEGIN_DECLS

/* internal to the engine: which package images go where (spec §8.5) */

/* what the device told us before planning; every pointer may be NULL (not supported) */
typedef struct {
	const DfudSmpImageState *state;
	const DfudSmpBootloaderInfo *mode_info; /* "mode" query */
	const DfudSmpBootloaderInfo *b0_info;	/* "active_b0_slot" query */
	const DfudSmpSlotInfo *slot_info;
	gint state_write; /* DfudUpdateDevice.state_write: -1 not known, 0 none, 1 present */
	gboolean in_recovery; /* it answers as MCUboot's serial recovery */
} DfudUpdateDeviceFacts;

typedef struct {
	DfudPackageEntry *entry; /* owned reference */
	DfudImage *image;	 /* borrowed from entry */
	guint image_index;
	gboolean mcuboot;	/* an MCUboot build for the inactive NSIB slot */
	gboolean uploaded;	/* the device already holds it in its other slot: only mark */
	gboolean confirm_only;	/* it already runs, in test: only confirm (an interrupted update) */
	gchar *running_version; /* of the image's active slot before the update, or NULL */
	GBytes *running_hash;	/* idem */
	gint64 upload_deadline_us; /* set when its upload first starts, kept across reconnects */
	guint upload_slot;	   /* the slot of its image the upload lands in */
	guint run_slot;		   /* the slot it runs from once installed */
	guint64 resume_off; /* serial recovery: where an upload cut short goes on (0: from the start) */
} DfudUpdatePlanItem;

typedef struct {
	GPtrArray *items; /* of DfudUpdatePlanItem, in upload order (image index ascending) */
	gboolean mcuboot;
	gboolean confirm_only; /* every item only needs confirming */
	guint b0_active; /* before the update, valid when mcuboot */
	DfudUpdateSteps steps; /* what the update does in the device's bootloader mode */
	gboolean in_loader;    /* the device runs its firmware loader already (a rerun) */
} DfudUpdatePlan;

/*
 * Builds the plan; DFUD_ERROR_NOTHING_TO_DO when the device already runs every image,
 * DFUD_ERROR_INVALID_ARGUMENT for a refused downgrade, an image larger than its slot or an
 * --image the package lacks, DFUD_ERROR_NOT_SUPPORTED when an MCUboot package meets a device that
 * does not report its active S slot, or direct-XIP variants one whose mode is unknown;
 * DFUD_ERROR_PERMANENT_INSTALL, DFUD_ERROR_NOT_NEWER, DFUD_ERROR_WRONG_SLOT for what the
 * bootloader's mode rules out (dfud_update_steps_init, dfud-update-slots.c).
 */
DfudUpdatePlan *dfud_update_plan_new(DfudPackage *package, const DfudUpdateDeviceFacts *facts,
				     const DfudUpdateOptions *options, GError **error);
void dfud_update_plan_free(DfudUpdatePlan *plan);
/* re-reads which items the device holds already (after a reconnect) */
void dfud_update_plan_refresh(DfudUpdatePlan *plan, const DfudSmpImageState *state);
/* the slot of @item's image holding it: the active slot with the hash it reports once installed
 * (DECOMP_SHA for a compressed image), another with the uploaded image's hash; NULL when none */
const DfudSmpImageSlot *dfud_update_plan_item_find_slot(const DfudUpdatePlanItem *item,
							const DfudSmpImageState *state);
guint64 dfud_update_plan_bytes_to_upload(const DfudUpdatePlan *plan);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudUpdatePlan, dfud_update_plan_free)

G_END_DECLS
