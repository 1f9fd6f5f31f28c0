/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud-hawkbit's reading of a hawkBit server's answers: the same bytes as a base resource, a
 * deploymentBase (and the artifacts dfud would be given of it) and a cancelAction, and as a
 * link to take an action id from.
 */
#define G_LOG_DOMAIN "DfudFuzz"

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "hb-ddi.h"
#include "hb-package.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autofree gchar *id = hb_ddi_href_id(text, "deploymentBase");
	JsonNode *root;

	if (id != NULL)
		g_assert_cmpuint(strlen(id), <=, 64);
	if (size > 65536 || !json_parser_load_from_data(parser, (const gchar *)data, size, NULL))
		return 0;
	root = json_parser_get_root(parser);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HbDdiBase) base = hb_ddi_base_parse(root, &error);
		g_assert_true((base == NULL) != (error == NULL));
		if (base != NULL && base->deployment_href != NULL)
			g_assert_true(g_str_has_prefix(base->deployment_href, "http"));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HbDdiDeployment) d = hb_ddi_deployment_parse(root, &error);
		g_assert_true((d == NULL) != (error == NULL));
		if (d != NULL) {
			g_assert_cmpuint(d->artifacts->len, <=, HB_DDI_MAX_ARTIFACTS);
			for (guint i = 0; i < d->artifacts->len; i++) {
				HbDdiArtifact *a = g_ptr_array_index(d->artifacts, i);
				g_assert_cmpuint(strlen(a->sha256), ==, 64);
				g_assert_cmpuint(a->size, >, 0);
				g_assert_null(strchr(a->filename, '/'));
			}
		}
		if (d != NULL) {
			g_autoptr(GError) pick_error = NULL;
			if (hb_package_pick(d, G_MAXUINT64, &pick_error)) {
				g_assert_cmpuint(d->artifacts->len, >, 0);
				for (guint i = 0; d->artifacts->len > 1 && i < d->artifacts->len;
				     i++)
					g_assert_nonnull(
					    ((HbDdiArtifact *)g_ptr_array_index(d->artifacts, i))
						->image);
			} else {
				g_assert_nonnull(pick_error);
			}
		}
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *stop = hb_ddi_cancel_parse(root, &error);
		g_assert_true((stop == NULL) != (error == NULL));
	}
	return 0;
}
