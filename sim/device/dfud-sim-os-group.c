/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-sim-device-private.h"
#include "smp/dfud-smp-cbor-map.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-rc.h"

/* Zephyr's OS management group (spec §3), as an NCS sample builds it */

#define OS_ERR(n) ((DfudSimStatus){(n), DFUD_SMP_GROUP_OS, NULL})
#define TEXT_MAX 1024

/*
 * What OS info reports for the fields that are not configurable: `r` is the build version
 * (git describe style), `v` the kernel version number, as Zephyr's os_mgmt.c writes them (the
 * peer of tests/peer: "v4.3.0-vendored" and "4.3.0"). `b` needs
 * CONFIG_MCUMGR_GRP_OS_INFO_BUILD_DATE_TIME, off by default: the letter is an invalid format.
 */
#define SIM_KERNEL_NAME "Zephyr"
#define SIM_KERNEL_RELEASE "v4.0.99-ncs1"
#define SIM_KERNEL_VERSION "4.0.99"
#define SIM_MACHINE "arm"
#define SIM_PROCESSOR "cortex-m4"
#define SIM_OS "Zephyr"

static DfudSimStatus
os_echo(DfudSimCtx *ctx)
{
	g_autofree gchar *d = NULL;

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_text(ctx->body, "d", DFUD_SMP_CBOR_REQUIRED,
					ctx->device->config->buf_size, &d, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	dfud_smp_cbor_writer_text(dfud_sim_reply_key(&ctx->reply, "r"), d);
	return DFUD_SIM_OK;
}

/*
 * `force` only matters to a reset hook, and `boot_mode` needs
 * CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE, off by default (spec §3.2; the peer of tests/peer
 * resets on {"boot_mode": 256}, on a mistyped force and without a body alike). A
 * firmware-loader build has it on (the way into the loader): 1 retains "bootloader" for the
 * next boot, 0 a normal boot, a value past 255 is rc 3 and no reset (os_mgmt.c,
 * os_mgmt_reset()).
 */
static DfudSimStatus
os_reset(DfudSimCtx *ctx)
{
	const DfudSimConfig *config = ctx->device->config;
	guint64 boot_mode = 0;

	/* the boot mode is honoured by a firmware-loader build, and (--serial-recovery-boot-mode)
	 * by MCUboot built with CONFIG_BOOT_SERIAL_BOOT_MODE, which enters serial recovery when
	 * the retained boot mode asks for the bootloader (boot/zephyr/io.c, io_detect_boot_mode()) */
	if ((config->boot_mode == DFUD_SIM_BOOT_FIRMWARE_LOADER ||
	     config->serial_recovery_boot_mode) &&
	    ctx->body != NULL) {
		/* a mistyped value is ignored like the other decode errors */
		if (!dfud_smp_cbor_map_get_uint(ctx->body, "boot_mode", DFUD_SMP_CBOR_OPTIONAL,
						G_MAXUINT64, &boot_mode, NULL, NULL))
			boot_mode = 0;
		if (boot_mode > 255)
			return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
		if (config->serial_recovery_boot_mode)
			ctx->device->recovery_entering = boot_mode == 1;
		else
			ctx->device->enter_loader = boot_mode == 1;
	}
	ctx->reset = TRUE;
	return DFUD_SIM_OK;
}

static DfudSimStatus
os_params(DfudSimCtx *ctx)
{
	dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "buf_size"),
				  ctx->device->config->buf_size);
	dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "buf_count"),
				  ctx->device->config->buf_count);
	return DFUD_SIM_OK;
}

static DfudSimStatus
os_info(DfudSimCtx *ctx)
{
	const DfudSimConfig *config = ctx->device->config;
	static const gchar letters[] = "snrvmpio";
	g_autofree gchar *format = NULL;
	gboolean want[sizeof(letters)] = {FALSE};
	const gchar *values[sizeof(letters)];
	g_autoptr(GString) out = g_string_new(NULL);

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_text(ctx->body, "format", DFUD_SMP_CBOR_OPTIONAL, TEXT_MAX,
					&format, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	/* no format, or an empty one: the kernel name (os_mgmt.c; the peer answers "Zephyr") */
	if (format == NULL || format[0] == '\0') {
		g_free(format);
		format = g_strdup("s");
	}
	for (const gchar *p = format; *p != '\0'; p++) {
		const gchar *hit = strchr(letters, *p);
		if (*p == 'a') {
			for (gsize i = 0; i < sizeof(letters) - 1; i++)
				want[i] = TRUE;
		} else if (hit != NULL) {
			want[hit - letters] = TRUE;
		} else {
			return OS_ERR(DFUD_SMP_OS_RC_INVALID_FORMAT);
		}
	}
	values[0] = SIM_KERNEL_NAME;
	values[1] = config->os_name;
	values[2] = SIM_KERNEL_RELEASE;
	values[3] = SIM_KERNEL_VERSION;
	values[4] = SIM_MACHINE;
	values[5] = SIM_PROCESSOR;
	values[6] = config->board;
	values[7] = SIM_OS;
	for (gsize i = 0; i < sizeof(letters) - 1; i++) {
		if (!want[i])
			continue;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append(out, values[i]);
	}
	dfud_smp_cbor_writer_text(dfud_sim_reply_key(&ctx->reply, "output"), out->str);
	return DFUD_SIM_OK;
}

/*
 * The number Zephyr reports: os_mgmt.c maps the application's MCUboot mode Kconfig to
 * MCUboot's enum (spec §3.5) for single-app, swap-scratch, overwrite-only, swap-offset,
 * swap-move, direct-XIP (with and without revert) and firmware-updater builds, and answers -1
 * for any other: RAM-load and single-slot RAM-load report -1 (nrfconnect/sdk-zephyr
 * subsys/mgmt/mcumgr/grp/os_mgmt/src/os_mgmt.c @ 140b91ca, BOOTLOADER_MODE)
 */
static gint
reported_mode(DfudSimBootMode mode)
{
	if (mode == DFUD_SIM_BOOT_RAM_LOAD || mode == DFUD_SIM_BOOT_SINGLE_SLOT_RAM_LOAD)
		return -1;
	return (gint)mode;
}

static DfudSimStatus
os_bootloader_info(DfudSimCtx *ctx)
{
	DfudSimDevice *dev = ctx->device;
	g_autofree gchar *query = NULL;

	if (dfud_sim_ctx_decode_failed(ctx))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (!dfud_smp_cbor_map_get_text(ctx->body, "query", DFUD_SMP_CBOR_OPTIONAL, TEXT_MAX,
					&query, NULL))
		return DFUD_SIM_RC(DFUD_SMP_RC_EINVAL);
	if (dev->config->boot_mode == DFUD_SIM_BOOT_NONE) {
		/* os_mgmt.c answers every query, and none, from CONFIG_BOOTLOADER_MCUBOOT code */
		return OS_ERR(DFUD_SMP_OS_RC_QUERY_YIELDS_NO_ANSWER);
	} else if (query == NULL) {
		dfud_smp_cbor_writer_text(dfud_sim_reply_key(&ctx->reply, "bootloader"), "MCUboot");
	} else if (g_strcmp0(query, "mode") == 0) {
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(&ctx->reply, "mode"),
					 reported_mode(dev->config->boot_mode));
		if (dev->config->no_downgrade)
			dfud_smp_cbor_writer_bool(dfud_sim_reply_key(&ctx->reply, "no-downgrade"),
						  TRUE);
	} else if (g_strcmp0(query, "active_b0_slot") == 0 && dev->s_hash[0] != NULL) {
		dfud_smp_cbor_writer_uint(dfud_sim_reply_key(&ctx->reply, "active"),
					  dev->boot.b0_active);
	} else {
		return OS_ERR(DFUD_SMP_OS_RC_QUERY_YIELDS_NO_ANSWER);
	}
	return DFUD_SIM_OK;
}

DfudSimStatus
dfud_sim_os_handle(DfudSimCtx *ctx, gboolean *found)
{
	gboolean read = ctx->hdr.op == DFUD_SMP_OP_READ;

	*found = TRUE;
	switch (ctx->hdr.id) {
	case DFUD_SMP_OS_ECHO:
		return os_echo(ctx);
	case DFUD_SMP_OS_RESET:
		if (!read)
			return os_reset(ctx);
		break;
	case DFUD_SMP_OS_MCUMGR_PARAMS:
		if (read)
			return os_params(ctx);
		break;
	case DFUD_SMP_OS_INFO:
		if (read)
			return os_info(ctx);
		break;
	case DFUD_SMP_OS_BOOTLOADER_INFO:
		if (read)
			return os_bootloader_info(ctx);
		break;
	default:
		/* console echo, task/memory statistics, date-time: not built in */
		break;
	}
	*found = FALSE;
	return DFUD_SIM_OK;
}
