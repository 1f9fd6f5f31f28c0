/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include "dfud-error.h"
#include "dfud-sim-config.h"
#include "dfud-sim-fault.h"

/*
 * Defaults (dfud-sim(1)): an nRF52840 DK running an NCS SMP sample.
 *   images 1, slot_size 0x76000 (both slots), net_slot_size 0x3a000, slot 0 at 0xc000 and
 *   slot 1 right after it (the NCS nRF52840 layout), bootloader swap-move, no downgrade
 *   prevention, no key, SHA-256; buf_size 2475, buf_count 4, SMP v1 accepted, image check on,
 *   verbose errors on, erase on the first chunk, no legacy rc, full state list; reset 250 ms
 *   after the answer, buffers released as soon as the answer left;
 *   os_name "dfud-sim", board "nrf52840dk"; swap time derived from the flash model;
 *   flash: the nrf52840 preset (4096-byte sectors, 85000 us per sector erase, 10250 ns per byte
 *   write, 20 ns per byte hash); time_scale 1.0; link model disabled
 *   (dfud_sim_link_params_init() values, link time scale 1.0);
 *   no faults, seed 0; count 1; UDP 127.0.0.1:1337 without an IP MTU; no log.
 */
DfudSimConfig *
dfud_sim_config_new(void)
{
	DfudSimConfig *self = g_new0(DfudSimConfig, 1);

	self->images = 1;
	self->slot_size = 0x76000;
	self->net_slot_size = 0x3a000;
	self->slot_addr[0] = 0xc000;
	self->exec_ram_start = 0x20000000; /* the nRF52840's 256 KiB of RAM */
	self->exec_ram_size = 0x40000;
	self->boot_mode = DFUD_SIM_BOOT_SWAP_MOVE;
	self->buf_size = 2475;
	self->buf_count = 4;
	self->smp_v1 = TRUE;
	self->image_check = TRUE;
	self->verbose_errors = TRUE;
	self->reset_delay_ms = 250;
	self->os_name = g_strdup("dfud-sim");
	self->board = g_strdup("nrf52840dk");
	dfud_sim_flash_preset("nrf52840", &self->flash);
	self->time_scale = 1.0;
	dfud_sim_link_params_init(&self->link);
	self->link.enabled = FALSE;
	self->faults = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_fault_free);
	self->count = 1;
	self->udp_host = g_strdup("127.0.0.1");
	self->udp_port = 1337;
	self->serial_mtu = 256;
	self->serial_unplug_ms = 500;
	self->ble_passkey = G_MAXUINT;
	return self;
}

void
dfud_sim_config_free(DfudSimConfig *self)
{
	if (self == NULL)
		return;
	g_free(self->state_dir);
	g_free(self->slot0_path);
	g_free(self->slot0_net_path);
	g_free(self->key_path);
	g_free(self->mcuboot_s0_path);
	g_free(self->mcuboot_s1_path);
	g_free(self->os_name);
	g_free(self->board);
	if (self->faults != NULL)
		g_ptr_array_unref(self->faults);
	g_free(self->fault_file);
	g_free(self->log_json);
	g_free(self->udp_host);
	g_free(self->adapter);
	g_free(self->name);
	g_free(self->serial_link);
	g_free(self);
}

static gboolean invalid(GError **error, const gchar *fmt, ...) G_GNUC_PRINTF(2, 3);

static gboolean
invalid(GError **error, const gchar *fmt, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, msg);
	return FALSE;
}

gboolean
dfud_sim_config_validate(const DfudSimConfig *self, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);

	if (self->state_dir == NULL || self->state_dir[0] == '\0')
		return invalid(error, "--state-dir is required");
	return dfud_sim_config_validate_model(self, error);
}

gboolean
dfud_sim_config_validate_model(const DfudSimConfig *self, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);

	if (self->buf_size < 64 || self->buf_size > 65535)
		return invalid(error, "--buf-size %u is out of range (64..65535)", self->buf_size);
	if (self->buf_count < 1 || self->buf_count > 64)
		return invalid(error, "--buf-count %u is out of range (1..64)", self->buf_count);
	if (self->images < 1 || self->images > 4)
		return invalid(error, "--images %u is out of range (1..4)", self->images);
	if (self->flash.sector_size < 256 || self->flash.sector_size > 0x40000 ||
	    (self->flash.sector_size & (self->flash.sector_size - 1)) != 0)
		return invalid(error, "sector size %u is not a power of two in 256..262144",
			       self->flash.sector_size);
	if (self->slot_size < 2 * self->flash.sector_size ||
	    self->slot_size % self->flash.sector_size != 0)
		return invalid(error,
			       "--slot-size 0x%x is not a multiple of the %u-byte sector size "
			       "(at least two sectors)",
			       self->slot_size, self->flash.sector_size);
	if (self->images > 1 && (self->net_slot_size < 2 * self->flash.sector_size ||
				 self->net_slot_size % self->flash.sector_size != 0))
		return invalid(error,
			       "--net-slot-size 0x%x is not a multiple of the %u-byte sector size "
			       "(at least two sectors)",
			       self->net_slot_size, self->flash.sector_size);
	if (dfud_sim_boot_mode_to_string(self->boot_mode) == NULL)
		return invalid(error, "unknown bootloader mode %d", (gint)self->boot_mode);
	if (self->slot1_size != 0 && (self->slot1_size < 2 * self->flash.sector_size ||
				      self->slot1_size % self->flash.sector_size != 0))
		return invalid(error,
			       "--slot1-size 0x%x is not a multiple of the %u-byte sector size "
			       "(at least two sectors)",
			       self->slot1_size, self->flash.sector_size);
	/* a swap exchanges the slots, and XIP or RAM-load run either: only overwrite-only (whose
	 * slot 1 may hold a compressed image) and the firmware loader's slot differ in size */
	if (self->slot1_size != 0 && self->slot1_size != self->slot_size &&
	    self->boot_mode != DFUD_SIM_BOOT_OVERWRITE_ONLY &&
	    self->boot_mode != DFUD_SIM_BOOT_FIRMWARE_LOADER)
		return invalid(error, "--slot1-size differs from --slot-size: only overwrite-only "
				      "and firmware-loader have slots of different sizes");
	if (self->images > 1 && (DFUD_SIM_BOOT_IS_SINGLE_SLOT(self->boot_mode) ||
				 self->boot_mode == DFUD_SIM_BOOT_RAM_LOAD ||
				 self->boot_mode == DFUD_SIM_BOOT_FIRMWARE_LOADER))
		return invalid(error, "--bootloader %s is modelled with one image (--images 1)",
			       dfud_sim_boot_mode_to_string(self->boot_mode));
	if (self->slot0_net_path != NULL && self->images < 2)
		return invalid(error, "--slot0-net needs --images 2 or more");
	if ((self->mcuboot_s0_path == NULL) != (self->mcuboot_s1_path == NULL))
		return invalid(error, "NSIB mode needs both --mcuboot-s0 and --mcuboot-s1");
	if (self->mcuboot_s0_path != NULL && self->boot_mode == DFUD_SIM_BOOT_NONE)
		return invalid(error, "NSIB mode (--mcuboot-s0/--mcuboot-s1) needs MCUboot, not "
				      "--bootloader none");
	if (self->b0_active > 1)
		return invalid(error, "--b0-active %u must be 0 or 1", self->b0_active);
	if (!(self->time_scale >= 0.0) || self->time_scale > 1000.0)
		return invalid(error, "--time-scale %g is out of range (0..1000)",
			       self->time_scale);
	if (!(self->link.time_scale > 0.0) || self->link.time_scale > 1000.0)
		return invalid(error, "--link-time-scale %g is out of range (> 0, up to 1000)",
			       self->link.time_scale);
	if (self->count < 1 || self->count > 1000)
		return invalid(error, "--count %u is out of range (1..1000)", self->count);
	if (self->reset_delay_ms > 3600000)
		return invalid(error, "--reset-delay %u ms is longer than an hour",
			       self->reset_delay_ms);
	if (self->buf_release_us > 10000000)
		return invalid(error, "--buf-release-us %u is longer than 10 s",
			       self->buf_release_us);
	if (self->ip_mtu != 0 && (self->ip_mtu < 68 || self->ip_mtu > 65535))
		return invalid(error, "--ip-mtu %u is out of range (68..65535, 0 for none)",
			       self->ip_mtu);
	if (self->ip_mtu != 0 && self->link.enabled)
		return invalid(error, "--ip-mtu applies to UDP datagrams, not to the air-time "
				      "model's packets (--link, --ble)");
	if (self->swap_time_ms > 3600000)
		return invalid(error, "--swap-time %u ms is longer than an hour",
			       self->swap_time_ms);
	if (self->os_name == NULL || self->board == NULL)
		return invalid(error, "OS name and board must be set");
	return TRUE;
}

guint32
dfud_sim_config_slot_addr(const DfudSimConfig *self, guint slot)
{
	if (slot == 0 || self->slot_addr[1] != 0)
		return self->slot_addr[slot];
	return self->slot_addr[0] + self->slot_size;
}

gchar *
dfud_sim_config_device_dir(const DfudSimConfig *self, guint index)
{
	g_autofree gchar *name = g_strdup_printf("dev%u", index);

	g_return_val_if_fail(self != NULL && self->state_dir != NULL, NULL);
	return g_build_filename(self->state_dir, name, NULL);
}

static const struct {
	DfudSimBootMode mode;
	const gchar *name;
} boot_modes[] = {
    {DFUD_SIM_BOOT_SWAP_MOVE, "swap-move"},
    {DFUD_SIM_BOOT_SWAP_SCRATCH, "swap-scratch"},
    {DFUD_SIM_BOOT_SWAP_OFFSET, "swap-offset"},
    {DFUD_SIM_BOOT_OVERWRITE_ONLY, "overwrite-only"},
    {DFUD_SIM_BOOT_DIRECT_XIP, "direct-xip"},
    {DFUD_SIM_BOOT_DIRECT_XIP_REVERT, "direct-xip-revert"},
    {DFUD_SIM_BOOT_SINGLE_SLOT, "single-slot"},
    {DFUD_SIM_BOOT_RAM_LOAD, "ram-load"},
    {DFUD_SIM_BOOT_FIRMWARE_LOADER, "firmware-loader"},
    {DFUD_SIM_BOOT_SINGLE_SLOT_RAM_LOAD, "single-slot-ram-load"},
    {DFUD_SIM_BOOT_NONE, "none"},
};

const gchar *
dfud_sim_boot_mode_to_string(DfudSimBootMode mode)
{
	for (gsize i = 0; i < G_N_ELEMENTS(boot_modes); i++) {
		if (boot_modes[i].mode == mode)
			return boot_modes[i].name;
	}
	return NULL;
}

gboolean
dfud_sim_boot_mode_from_string(const gchar *str, DfudSimBootMode *mode)
{
	g_return_val_if_fail(mode != NULL, FALSE);
	if (str == NULL)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(boot_modes); i++) {
		if (g_strcmp0(boot_modes[i].name, str) == 0) {
			*mode = boot_modes[i].mode;
			return TRUE;
		}
	}
	return FALSE;
}

/* the product specifications' figures; the hash time is a read at flash speed plus SHA-256 */
static const DfudSimFlashParams flash_presets[] = {
    /* nRF52840 product specification, NVMC: t_WRITE 41 us per 32-bit word, t_ERASEPAGE 85 ms */
    {"nrf52840", 4096, 85000, 10250, 20},
    /* nRF5340 product specification, application core NVMC: 43 us per word, 87.5 ms */
    {"nrf5340", 4096, 87500, 10750, 20},
};

gboolean
dfud_sim_flash_preset(const gchar *name, DfudSimFlashParams *params)
{
	g_return_val_if_fail(params != NULL, FALSE);
	for (gsize i = 0; i < G_N_ELEMENTS(flash_presets); i++) {
		if (name != NULL && g_ascii_strcasecmp(flash_presets[i].name, name) == 0) {
			*params = flash_presets[i];
			return TRUE;
		}
	}
	return FALSE;
}

const gchar *const *
dfud_sim_flash_preset_names(void)
{
	static const gchar *const names[] = {"nrf52840", "nrf5340", NULL};

	G_STATIC_ASSERT(G_N_ELEMENTS(names) == G_N_ELEMENTS(flash_presets) + 1);
	return names;
}
