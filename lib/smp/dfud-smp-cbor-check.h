/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>
#include <glib.h>

G_BEGIN_DECLS

/* deepest nesting of arrays and maps accepted in a body (the top-level map is depth 1) */
#define DFUD_SMP_CBOR_MAX_DEPTH 16u

gboolean dfud_smp_cbor_check(const guint8 *data, gsize len, GError **error);
cbor_item_t *dfud_smp_cbor_load(const guint8 *data, gsize len, GError **error);

static inline void
dfud_smp_cbor_item_unref(cbor_item_t *item)
{
	if (item != NULL)
		cbor_decref(&item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(cbor_item_t, dfud_smp_cbor_item_unref)

G_END_DECLS
