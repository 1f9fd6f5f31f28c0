/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "smp/dfud-smp-response.h"
#include "transport/dfud-transport.h"

G_BEGIN_DECLS

/*
 * Requests and responses over a transport: allocates sequence numbers (lib/smp pending table),
 * keeps several requests in flight, matches responses, applies a timeout per request, and
 * adopts the SMP version the device answers with (spec §9.8: start with v2; a device that
 * answers v1 headers, or rc 12/13 to our version, gets that version from then on).
 *
 * Requests are frames built by lib/smp's builders with any seq and version: the client
 * rewrites byte 0's version bits and the seq byte before sending.
 */
#define DFUD_TYPE_SMP_CLIENT (dfud_smp_client_get_type())
G_DECLARE_FINAL_TYPE(DfudSmpClient, dfud_smp_client, DFUD, SMP_CLIENT, GObject)

DfudSmpClient *
dfud_smp_client_new(DfudTransport *transport);
DfudTransport *
dfud_smp_client_get_transport(DfudSmpClient *self);
/* the version to build requests with (DFUD_SMP_VERSION_2 until the device says otherwise) */
guint
dfud_smp_client_get_version(DfudSmpClient *self);
guint
dfud_smp_client_get_in_flight(DfudSmpClient *self);

/*
 * Sends @request and completes with the matching response (whatever its rc: check it with
 * dfud_smp_response_check or a typed parser), DFUD_ERROR_TIMEOUT after @timeout_ms with no
 * response, DFUD_ERROR_CANCELLED, or the transport's "closed" reason. A response arriving
 * after its request timed out is dropped (logged at debug level).
 */
void
dfud_smp_client_call_async(DfudSmpClient *self, GBytes *request, guint timeout_ms,
			   GCancellable *cancellable, GAsyncReadyCallback callback,
			   gpointer user_data);
DfudSmpResponse *
dfud_smp_client_call_finish(DfudSmpClient *self, GAsyncResult *res, GError **error);

/* fails every outstanding call with @error (e.g. the link dropped) */
void
dfud_smp_client_fail_all(DfudSmpClient *self, const GError *error);

G_END_DECLS
