/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "dfud-smp-response.h"

G_BEGIN_DECLS

/* OS group results (spec §3). Every parser first reports the device's error, if any. */

/* MCUmgr parameters (§3.3): buf_size includes the 8-byte SMP header */
typedef struct {
	guint32 buf_size;
	guint32 buf_count;
} DfudSmpParams;

/* Bootloader info (§3.5): which keys are set depends on the query sent */
typedef struct {
	gchar *bootloader;     /* "bootloader" (no query), NULL if absent */
	gboolean has_mode;     /* "mode" query */
	gint32 mode;	       /* MCUboot mode, -1 = unknown */
	gboolean no_downgrade; /* "no-downgrade", FALSE if absent */
	gboolean has_active;   /* "active_b0_slot" query */
	guint8 active;	       /* 0 = S0, 1 = S1 */
} DfudSmpBootloaderInfo;

gchar *dfud_smp_response_parse_echo(const DfudSmpResponse *resp, GError **error);
gboolean dfud_smp_response_parse_params(const DfudSmpResponse *resp, DfudSmpParams *params,
					GError **error);
gchar *dfud_smp_response_parse_os_info(const DfudSmpResponse *resp, GError **error);
DfudSmpBootloaderInfo *dfud_smp_response_parse_bootloader_info(const DfudSmpResponse *resp,
							       GError **error);
void dfud_smp_bootloader_info_free(DfudSmpBootloaderInfo *info);
/* MCUboot's mode (the "mode" query) as the names the D-Bus API uses: "swap-move" for 3, ...;
 * "" for -1 and for numbers MCUboot does not define */
const gchar *dfud_smp_bootloader_mode_to_string(gint32 mode);
gboolean dfud_smp_response_is_query_unsupported(const DfudSmpResponse *resp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpBootloaderInfo, dfud_smp_bootloader_info_free)

G_END_DECLS
