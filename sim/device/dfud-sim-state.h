/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DFUD_SIM_MAX_IMAGES 4

/*
 * What MCUboot keeps in the slot trailers, abstracted: per image the slot that runs, whether
 * the running image is confirmed (image_ok; FALSE = a test image MCUboot reverts on the next
 * boot), and the slot scheduled for the next boot (test or permanent). Persisted as
 * state.json in the device's state directory, rewritten atomically after every change.
 */
typedef struct {
	guint active;	    /* slot the image runs from (0, or 1 in direct-XIP) */
	gboolean confirmed; /* the running image is confirmed */
	gint pending;	    /* slot to boot next, -1 none */
	gboolean permanent; /* the pending boot is permanent (confirm) rather than a test */
} DfudSimImageState;

typedef struct {
	guint images;
	DfudSimImageState image[DFUD_SIM_MAX_IMAGES];
	guint b0_active; /* NSIB: the S slot MCUboot runs from */
} DfudSimBootState;

void dfud_sim_boot_state_init(DfudSimBootState *state, guint images, guint b0_active);
/* *is_new is TRUE when the file does not exist yet (the state is then initialised) */
gboolean dfud_sim_boot_state_load(DfudSimBootState *state, const gchar *path, guint images,
				  guint b0_active, gboolean *is_new, GError **error);
gboolean dfud_sim_boot_state_save(const DfudSimBootState *state, const gchar *path, GError **error);

G_END_DECLS
