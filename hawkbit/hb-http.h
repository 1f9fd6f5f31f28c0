/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "hb-config.h"

G_BEGIN_DECLS

/*
 * The one HTTP session of the connector: every target's requests share its connections
 * (keep-alive, at most [Server] MaxConnections at once, the rest wait in libsoup's queue),
 * its TLS trust (the system's CAs or [Server] CaFile, always verified) and its client
 * certificate. Each request carries the Authorization header of its target.
 */
typedef struct _HbHttp HbHttp;

/* the largest JSON answer read: hawkBit's biggest (a deploymentBase) is a few KiB */
#define HB_HTTP_MAX_JSON (1024 * 1024)

HbHttp *hb_http_new(const HbConfig *config, GError **error);
void hb_http_free(HbHttp *http);
/* requests sent since the start, for the log and the benchmark */
guint64 hb_http_requests(const HbHttp *http);

/* a request to @url with @controller_id's Authorization header */
SoupMessage *hb_http_message_new(HbHttp *http, const gchar *method, const gchar *url,
				 const gchar *controller_id);
SoupSession *hb_http_session(HbHttp *http);
void hb_http_count(HbHttp *http);

/*
 * @method @url with @body (NULL: none) as JSON; the answer's JSON (NULL when it has no body).
 * A status other than 2xx is an error naming the status and the server's message.
 */
void hb_http_json_async(HbHttp *http, const gchar *method, const gchar *url,
			const gchar *controller_id, JsonNode *body, GCancellable *cancellable,
			GAsyncReadyCallback callback, gpointer user_data);
JsonNode *hb_http_json_finish(GAsyncResult *result, GError **error);
/* the same, for a caller that wants only to know whether the server took it */
gboolean hb_http_finish(GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HbHttp, hb_http_free)

G_END_DECLS
