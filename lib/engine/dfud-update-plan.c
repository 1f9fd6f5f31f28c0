/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudEngine"

#include "config.h"

#include <string.h>

#include "dfud-hex.h"
#include "dfud-update-plan.h"
#include "dfud-update-slots.h"

static void
plan_item_free(gpointer data)
{
	DfudUpdatePlanItem *item = data;

	g_clear_object(&item->entry);
	g_free(item->running_version);
	g_clear_pointer(&item->running_hash, g_bytes_unref);
	g_free(item);
}

void
dfud_update_plan_free(DfudUpdatePlan *plan)
{
	if (plan == NULL)
		return;
	g_ptr_array_unref(plan->items);
	g_free(plan);
}

static gboolean
slot_has_hash(const DfudSmpImageSlot *slot, GBytes *hash)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(hash, &len);

	return slot->hash_len == len && len > 0 && memcmp(slot->hash, data, len) == 0;
}

const DfudSmpImageSlot *
dfud_update_plan_item_find_slot(const DfudUpdatePlanItem *item, const DfudSmpImageState *state)
{
	GBytes *uploaded = dfud_image_get_hash(item->image);
	GBytes *installed = dfud_image_get_installed_hash(item->image);

	if (state == NULL || state->slots == NULL)
		return NULL;
	for (guint i = 0; i < state->slots->len; i++) {
		const DfudSmpImageSlot *slot = g_ptr_array_index(state->slots, i);
		if (slot->image == item->image_index &&
		    slot_has_hash(slot, slot->active ? installed : uploaded))
			return slot;
	}
	return NULL;
}

/* "image 0 runs 1.2.3.4 (hash 6b28…)" */
static gchar *
describe_slot(guint image, const DfudSmpImageSlot *slot)
{
	g_autofree gchar *hex = dfud_hex_encode(slot->hash, slot->hash_len, 2);

	return g_strdup_printf("image %u runs %s (hash %s)", image,
			       slot->version != NULL ? slot->version : "?", hex);
}

/* downgrade rules: the user's (allow_downgrade) and MCUboot's no-downgrade mode */
static gboolean
check_downgrade(const DfudUpdatePlanItem *item, const DfudSmpImageSlot *active,
		const DfudUpdateDeviceFacts *facts, const DfudUpdateOptions *options,
		const DfudUpdateSteps *steps, GError **error)
{
	DfudImageVersion running;
	const DfudImageVersion *new_version = dfud_image_get_version(item->image);
	g_autofree gchar *new_str = NULL;
	gboolean device_forbids = facts->mode_info != NULL && facts->mode_info->has_mode &&
				  facts->mode_info->no_downgrade;

	if (active == NULL || active->version == NULL ||
	    !dfud_image_version_parse(active->version, &running, NULL))
		return TRUE; /* nothing to compare with */
	/* direct-XIP and RAM-load boot the slot with the higher version (build number not
	 * compared): an image that is not newer is never booted */
	if (steps->newer_only && dfud_image_version_compare(new_version, &running, FALSE) <= 0) {
		new_str = dfud_image_version_to_string(new_version);
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_NEWER,
			    "image %u: version %s is not newer than the running %s, and the "
			    "device's MCUboot (%s) boots the slot with the higher version "
			    "(major.minor.revision; the build number counts only in MCUboot built "
			    "with CONFIG_BOOT_VERSION_CMP_USE_BUILD_NUMBER): it would never run",
			    item->image_index, new_str, active->version,
			    dfud_update_strategy_to_string(steps->strategy));
		return FALSE;
	}
	if (dfud_image_version_compare(new_version, &running, FALSE) >= 0)
		return TRUE;
	new_str = dfud_image_version_to_string(new_version);
	if (device_forbids) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image %u: version %s is older than the running %s and the device's "
			    "MCUboot refuses downgrades (no-downgrade)",
			    item->image_index, new_str, active->version);
		return FALSE;
	}
	if (!options->allow_downgrade) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "image %u: version %s is older than the running %s: a downgrade needs "
			    "allow-downgrade",
			    item->image_index, new_str, active->version);
		return FALSE;
	}
	return TRUE;
}

static gint
active_slot_of(const DfudUpdateDeviceFacts *facts, guint image_index)
{
	const DfudSmpImageSlot *active =
	    facts->state != NULL ? dfud_smp_image_state_find_active(facts->state, image_index)
				 : NULL;

	return active != NULL ? (gint)active->slot : -1;
}

static DfudUpdatePlanItem *
item_new(DfudPackageEntry *entry, gboolean mcuboot, const DfudUpdateSteps *steps,
	 const DfudUpdateDeviceFacts *facts)
{
	DfudUpdatePlanItem *item = g_new0(DfudUpdatePlanItem, 1);
	gint active;

	item->entry = g_object_ref(entry);
	item->image = dfud_package_entry_get_image(entry);
	item->image_index = dfud_package_entry_get_image_index(entry);
	item->mcuboot = mcuboot;
	active = active_slot_of(facts, item->image_index);
	item->upload_slot = mcuboot ? 1 : dfud_update_steps_upload_slot(steps, active);
	item->run_slot = mcuboot ? 0 : dfud_update_steps_run_slot(steps, active);
	return item;
}

/* the device runs @entry's image (NULL: no) */
static gboolean
entry_runs(DfudPackageEntry *entry, const DfudUpdateDeviceFacts *facts)
{
	const DfudSmpImageSlot *active =
	    facts->state != NULL ? dfud_smp_image_state_find_active(
				       facts->state, dfud_package_entry_get_image_index(entry))
				 : NULL;

	return entry != NULL && active != NULL &&
	       slot_has_hash(active,
			     dfud_image_get_installed_hash(dfud_package_entry_get_image(entry)));
}

/*
 * Direct-XIP builds (spec §8.3): of the two variants of an image, the one that runs already
 * (up to date, or in test to be confirmed), else the one linked for the slot the new image
 * will run from; *keep FALSE for the other. Which slot that is depends on the mode.
 */
static gboolean
pick_variant(DfudPackage *package, DfudPackageEntry *entry, const DfudUpdateSteps *steps,
	     const DfudUpdateDeviceFacts *facts, gboolean *keep, GError **error)
{
	guint image_index = dfud_package_entry_get_image_index(entry);
	guint slot = 0;

	*keep = TRUE;
	if (!dfud_package_entry_get_xip_slot(entry, &slot))
		return TRUE;
	/* one of the two builds runs already (or in test, to be confirmed): that one */
	if (entry_runs(entry, facts))
		return TRUE;
	if (entry_runs(dfud_package_get_xip_variant(package, image_index, 1 - slot), facts)) {
		*keep = FALSE;
		return TRUE;
	}
	/* a mode not reported, with an image state write: swap or direct-XIP with revert */
	if (steps->bootloader_mode < 0 && steps->strategy == DFUD_UPDATE_STRATEGY_SWAP) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
			    "the package holds image %u built for each of its two slots "
			    "(direct-XIP) but the device does not report its MCUboot mode "
			    "(bootloader info): which build can run is unknown",
			    image_index);
		return FALSE;
	}
	*keep = slot == dfud_update_steps_run_slot(steps, active_slot_of(facts, image_index));
	return TRUE;
}

static gint
item_compare(gconstpointer a, gconstpointer b)
{
	const DfudUpdatePlanItem *x = *(DfudUpdatePlanItem *const *)a;
	const DfudUpdatePlanItem *y = *(DfudUpdatePlanItem *const *)b;

	return (gint)x->image_index - (gint)y->image_index;
}

static gboolean
is_mcuboot_role(DfudImageRole role)
{
	return role == DFUD_IMAGE_ROLE_MCUBOOT_S0 || role == DFUD_IMAGE_ROLE_MCUBOOT_S1;
}

/* the MCUboot variant for the inactive S slot */
static gboolean
add_mcuboot(DfudUpdatePlan *plan, DfudPackage *package, const DfudUpdateDeviceFacts *facts,
	    GError **error)
{
	DfudPackageEntry *entry;

	if (facts->b0_info == NULL || !facts->b0_info->has_active) {
		g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
				    "the package updates MCUboot but the device does not report "
				    "its active S slot (bootloader info active_b0_slot)");
		return FALSE;
	}
	plan->mcuboot = TRUE;
	plan->b0_active = facts->b0_info->active;
	entry = dfud_package_get_mcuboot_for_active_slot(package, plan->b0_active, error);
	if (entry == NULL)
		return FALSE;
	g_ptr_array_add(plan->items, item_new(entry, TRUE, &plan->steps, facts));
	return TRUE;
}

/* @holder (not running) holds @item's upload where it goes: serial recovery writes slot 0 only,
 * the image it lists in slot 1 is no upload of its own */
static gboolean
holder_is_upload(const DfudUpdatePlanItem *item, const DfudUpdateSteps *steps,
		 const DfudSmpImageSlot *holder)
{
	if (holder == NULL)
		return FALSE;
	return steps->strategy != DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY ||
	       holder->slot == item->upload_slot;
}

/* TRUE when @item must stay in the plan; fills running_* */
static gboolean
check_item(DfudUpdatePlanItem *item, const DfudUpdateDeviceFacts *facts,
	   const DfudUpdateOptions *options, const DfudUpdateSteps *steps, GString *running,
	   GError **error)
{
	const DfudSmpImageSlot *active =
	    facts->state != NULL ? dfud_smp_image_state_find_active(facts->state, item->image_index)
				 : NULL;
	const DfudSmpImageSlot *holder = dfud_update_plan_item_find_slot(item, facts->state);

	if (active != NULL) {
		item->running_version = g_strdup(active->version);
		item->running_hash = g_bytes_new(active->hash, active->hash_len);
	}
	if (item->mcuboot)
		return dfud_update_slots_check(item, steps, facts->slot_info, error);
	/* an update cut short after its reset: the new image runs in test, confirm it */
	if (holder != NULL && holder->active && !holder->confirmed && !holder->permanent &&
	    dfud_update_steps_can_confirm(steps) &&
	    (options->mode == DFUD_UPDATE_MODE_TEST_AND_CONFIRM ||
	     options->mode == DFUD_UPDATE_MODE_CONFIRM_ONLY)) {
		item->confirm_only = TRUE;
		return TRUE;
	}
	if (holder != NULL && holder->active) {
		g_autofree gchar *what = describe_slot(item->image_index, holder);
		if (running->len > 0)
			g_string_append(running, ", ");
		g_string_append(running, what);
		return TRUE;
	}
	item->uploaded = holder_is_upload(item, steps, holder);
	if (!check_downgrade(item, active, facts, options, steps, error))
		return FALSE;
	return dfud_update_slots_check(item, steps, facts->slot_info, error);
}

/*
 * The device's MCUboot mode: as reported; else, for an application without an image state
 * write whose slot info lists a single slot for image 0, single slot with RAM load (mode 8,
 * which Zephyr's bootloader info does not report); else -1.
 */
static gint32
bootloader_mode(const DfudUpdateDeviceFacts *facts)
{
	const DfudSmpSlotInfo *info = facts->slot_info;

	if (facts->mode_info != NULL && facts->mode_info->has_mode && facts->mode_info->mode >= 0)
		return facts->mode_info->mode;
	if (info == NULL || info->images == NULL)
		return -1;
	/* one slot for image 0: a single application, with RAM load when the mode was not named
	 * (Zephyr reports -1 for it); its build may have the state write or not (nrfconnect/
	 * sdk-zephyr img_mgmt.c @ 09c6068 leaves it out for MODE_RAM_LOAD only, older trees
	 * nowhere but direct-XIP), so that decides nothing */
	for (guint i = 0; i < info->images->len; i++) {
		const DfudSmpSlotInfoImage *img = g_ptr_array_index(info->images, i);
		if (img->image == 0 && img->slots != NULL && img->slots->len == 1)
			return 8;
	}
	return -1;
}

/* the images of @package are RAM-load builds (header flag RAM_LOAD) */
static gboolean
package_ram_load(DfudPackage *package)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	for (guint i = 0; i < entries->len; i++) {
		DfudImage *image = dfud_package_entry_get_image(g_ptr_array_index(entries, i));
		if ((dfud_image_get_flags(image) & DFUD_IMAGE_FLAG_RAM_LOAD) == 0)
			return FALSE;
	}
	return entries->len > 0;
}

static gboolean
has_mcuboot_entry(DfudPackage *package)
{
	GPtrArray *entries = dfud_package_get_entries(package);

	for (guint i = 0; i < entries->len; i++) {
		if (is_mcuboot_role(dfud_package_entry_get_role(g_ptr_array_index(entries, i))))
			return TRUE;
	}
	return FALSE;
}

/*
 * The device answered the mode query with -1 and has no state write: among Zephyr's builds
 * that is RAM-load (single slot or two), since os_mgmt.c reports direct-XIP (4, 5) and the
 * firmware loader (7) by number and -1 for every other mode, and only direct-XIP, RAM-load and
 * firmware-loader builds lack the state write (spec §3.5, §4.2). So the image must be a
 * RAM_LOAD build, whatever the package holds: MCUboot erases any other at the reset
 * (loader.c, boot_load_image_to_sram()).
 */
static gboolean
reported_ram_load(const DfudUpdateDeviceFacts *facts)
{
	return facts->mode_info != NULL && facts->mode_info->has_mode &&
	       facts->mode_info->mode == -1 && facts->state_write == 0;
}

DfudUpdatePlan *
dfud_update_plan_new(DfudPackage *package, const DfudUpdateDeviceFacts *facts,
		     const DfudUpdateOptions *options, GError **error)
{
	g_autoptr(DfudUpdatePlan) plan = g_new0(DfudUpdatePlan, 1);
	g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func(plan_item_free);
	g_autoptr(GString) running = g_string_new(NULL);
	GPtrArray *entries = dfud_package_get_entries(package);
	gboolean has_mcuboot = FALSE;
	gint32 mode = bootloader_mode(facts);

	plan->items = g_ptr_array_new_with_free_func(plan_item_free);
	/* a device in serial recovery is updated through it, or not at all */
	if (facts->in_recovery || options->recovery) {
		if (!dfud_update_steps_init_recovery(&plan->steps, facts->in_recovery, options,
						     error))
			return NULL;
		if (has_mcuboot_entry(package)) {
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_NOT_SUPPORTED,
					    "the package updates MCUboot, which serial recovery "
					    "(MCUboot itself) cannot replace");
			return NULL;
		}
	} else if (!dfud_update_steps_init(&plan->steps, mode, facts->state_write,
					   package_ram_load(package) || reported_ram_load(facts),
					   options, error))
		return NULL;
	for (guint i = 0; i < entries->len; i++) {
		DfudPackageEntry *entry = g_ptr_array_index(entries, i);
		gboolean keep = TRUE;
		if (is_mcuboot_role(dfud_package_entry_get_role(entry))) {
			has_mcuboot = TRUE;
			continue;
		}
		if (options->image >= 0 &&
		    dfud_package_entry_get_image_index(entry) != (guint)options->image)
			continue;
		if (!pick_variant(package, entry, &plan->steps, facts, &keep, error))
			return NULL;
		if (keep)
			g_ptr_array_add(plan->items, item_new(entry, FALSE, &plan->steps, facts));
	}
	if (has_mcuboot && !add_mcuboot(plan, package, facts, error))
		return NULL;
	if (plan->items->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "the package holds no image %d", options->image);
		return NULL;
	}
	g_ptr_array_sort(plan->items, item_compare);

	/* keep only what the device does not run yet */
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		gsize before = running->len;
		if (!check_item(item, facts, options, &plan->steps, running, error))
			return NULL;
		if (running->len == before)
			g_ptr_array_add(candidates, g_ptr_array_steal_index(plan->items, i--));
	}
	if (candidates->len == 0) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_NOTHING_TO_DO, "already up to date: %s",
			    running->str);
		return NULL;
	}
	g_ptr_array_unref(plan->items);
	plan->items = g_steal_pointer(&candidates);
	/* the firmware loader runs from slot 1, the application from slot 0 (MCUboot's firmware
	 * loader mode): a run after one that entered the loader finds slot 0 not running */
	plan->in_loader = plan->steps.enter_loader && mode == 7 && facts->state != NULL &&
			  active_slot_of(facts, 0) != 0;
	plan->confirm_only = TRUE;
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (!item->confirm_only)
			plan->confirm_only = FALSE;
	}
	/* with other images still to send, those running in test are left as they are (the
	 * coming reset reverts them, and they are uploaded again by a rerun) */
	for (guint i = 0; !plan->confirm_only && i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (item->confirm_only)
			g_ptr_array_remove_index(plan->items, i--);
	}
	return g_steal_pointer(&plan);
}

void
dfud_update_plan_refresh(DfudUpdatePlan *plan, const DfudSmpImageState *state)
{
	for (guint i = 0; i < plan->items->len; i++) {
		DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		const DfudSmpImageSlot *holder = dfud_update_plan_item_find_slot(item, state);
		if (holder != NULL && !holder->active &&
		    holder_is_upload(item, &plan->steps, holder))
			item->uploaded = TRUE;
	}
}

guint64
dfud_update_plan_bytes_to_upload(const DfudUpdatePlan *plan)
{
	guint64 total = 0;

	for (guint i = 0; i < plan->items->len; i++) {
		const DfudUpdatePlanItem *item = g_ptr_array_index(plan->items, i);
		if (!item->uploaded)
			total += dfud_image_get_size(item->image);
	}
	return total;
}
