/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>
#include <glib.h>

#include "dfud-smp-header.h"
#include "dfud-smp-rc.h"

G_BEGIN_DECLS

/* A decoded response frame. The typed parsers (dfud-smp-os-results.h, dfud-smp-image-*.h) take
 * it and report the device's error, if any, before looking at result keys. */
typedef struct {
	DfudSmpHeader header;
	cbor_item_t *body; /* the top-level map */
	DfudSmpStatus status;
} DfudSmpResponse;

DfudSmpResponse *dfud_smp_response_parse(const guint8 *frame, gsize frame_len, GError **error);
DfudSmpResponse *dfud_smp_response_parse_bytes(GBytes *frame, GError **error);
void dfud_smp_response_free(DfudSmpResponse *resp);
gchar *dfud_smp_response_describe(const DfudSmpResponse *resp);
gboolean dfud_smp_response_check(const DfudSmpResponse *resp, GError **error);
void dfud_smp_response_prefix_error(const DfudSmpResponse *resp, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSmpResponse, dfud_smp_response_free)

G_END_DECLS
