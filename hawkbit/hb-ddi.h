/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * hawkBit's Direct Device Integration API, as JSON: the resources read from the server
 * (every field checked: the server is untrusted input) and the bodies sent to it. Paths
 * and fields as hawkBit's DDI documentation and OpenAPI description give them.
 */

/* GET {tenant}/controller/v1/{controllerId}: the base resource */
typedef struct {
	guint sleep; /* config.polling.sleep in seconds, 0 when absent */
	gchar *deployment_href;
	gchar *cancel_href;
	gchar *config_data_href;
	gchar *installed_href;
} HbDdiBase;

typedef struct {
	gchar *filename;
	gchar *sha256; /* lower-case hex */
	guint64 size;
	gchar *href;
	gchar *image; /* its chunk's metadata HB_DDI_IMAGE_KEY, or NULL */
} HbDdiArtifact;

/* the software module metadata key (visible to targets) naming the image of its artifacts */
#define HB_DDI_IMAGE_KEY "dfud.image"

/* GET .../deploymentBase/{actionId} */
typedef struct {
	gchar *id;
	gchar *download; /* skip, attempt, forced */
	gchar *update;
	gchar *maintenance_window; /* "available", "unavailable", NULL: none */
	gchar *version;		   /* the chunks' "name version", for details */
	GPtrArray *artifacts;	   /* HbDdiArtifact: every chunk's */
} HbDdiDeployment;

/* the longest artifact file name and chunk text taken */
#define HB_DDI_MAX_TEXT 256
/* artifacts of one action taken at most */
#define HB_DDI_MAX_ARTIFACTS 16

HbDdiBase *hb_ddi_base_parse(JsonNode *root, GError **error);
void hb_ddi_base_free(HbDdiBase *base);
HbDdiDeployment *hb_ddi_deployment_parse(JsonNode *root, GError **error);
void hb_ddi_deployment_free(HbDdiDeployment *deployment);
/* GET .../cancelAction/{id}: cancelAction.stopId, the action to stop */
gchar *hb_ddi_cancel_parse(JsonNode *root, GError **error);
/* "HH:MM:SS" as seconds */
gboolean hb_ddi_parse_sleep(const gchar *text, guint *seconds);
/* the {id} of a link's .../deploymentBase/{id}?c=... or .../cancelAction/{id} */
gchar *hb_ddi_href_id(const gchar *href, const gchar *resource);

/* a feedback body: execution (proceeding, closed, canceled, rejected, downloaded...),
 * finished (success, failure, none), progress cnt/of (of 0: none), details */
JsonNode *hb_ddi_feedback(const gchar *action_id, const gchar *execution, const gchar *finished,
			  guint cnt, guint of, const gchar *const *details);
/* PUT .../configData: {"mode": "merge", "data": {...}} */
JsonNode *hb_ddi_config_data(GHashTable *attributes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbDdiBase, hb_ddi_base_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbDdiDeployment, hb_ddi_deployment_free)

G_END_DECLS
