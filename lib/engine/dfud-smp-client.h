/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "smp/dfud-smp-response.h"
#include "engine/dfud-smp-rto.h"
#include "transport/dfud-transport.h"

G_BEGIN_DECLS

/*
 * Requests and responses over a transport: allocates sequence numbers (lib/smp pending table),
 * keeps several requests in flight, matches responses, applies a timeout per request, and
 * adopts the SMP version the device answers with (spec §9.8: start with v2; a device that
 * answers v1 headers, or rc 12/13 to our version, gets that version from then on).
 *
 * Over a lossy transport (UDP: dfud_transport_is_lossy) a request that gets no answer is sent
 * again, the same frame with the same sequence number, after the retransmission timeout
 * (dfud-smp-rto.h: from the measured round trip as TCP does), doubled for each copy of one
 * request up to DFUD_SMP_RTO_MAX_MS, until the request's own timeout. The device answers every
 * copy (spec §1.4: it does not track seq); the first answer completes the call, a late answer to
 * any copy still counts, the others are dropped. Over a link that delivers every packet or drops
 * the link (BLE), a request is sent once.
 *
 * Requests are frames built by lib/smp's builders with any seq and version: the client
 * rewrites byte 0's version bits and the seq byte before sending.
 */

typedef enum {
	DFUD_SMP_CALL_NONE = 0,
	/* the device may work long before it answers (a slot erase, a flush): the wait says
	 * nothing of the round trip and is not measured */
	DFUD_SMP_CALL_SLOW = 1 << 0,
	/* a copy processed after the first took effect acts again (os reset: a copy reaching a
	 * device that rebooted into a test image resets it again, and MCUboot reverts it): never
	 * copied by the client, the caller decides from what the device shows next */
	DFUD_SMP_CALL_ACTS_ONCE = 1 << 1,
} DfudSmpCallFlags;

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
/* the same with @flags; returns the call's id (never 0; 0 when it failed at once) */
guint64
dfud_smp_client_call_full_async(DfudSmpClient *self, GBytes *request, guint timeout_ms,
				DfudSmpCallFlags flags, GCancellable *cancellable,
				GAsyncReadyCallback callback, gpointer user_data);
DfudSmpResponse *
dfud_smp_client_call_finish(DfudSmpClient *self, GAsyncResult *res, GError **error);
/* how many copies of the request went out (1 unless it was sent again), for any result */
guint
dfud_smp_client_call_get_sends(GAsyncResult *res);
/* the call keeps waiting for its answer (until its timeout) but is not sent again: the caller
 * sent something else instead; unknown or finished ids are ignored */
void
dfud_smp_client_stop_resending(DfudSmpClient *self, guint64 call_id);
/* the current retransmission timeout (what the next request would wait before a copy) */
guint
dfud_smp_client_get_rto_ms(DfudSmpClient *self);
/* the smoothed round trip measured so far, 0 before the first sample */
guint
dfud_smp_client_get_srtt_ms(DfudSmpClient *self);

/* what a client learnt of the device's round trip, to start the next client of the same device
 * from (a short command learns little by itself); zeroes: nothing learnt */
typedef struct {
	gint64 srtt_us;
	gint64 rttvar_us;
} DfudSmpRtt;

DfudSmpRtt
dfud_smp_client_get_rtt(DfudSmpClient *self);
void
dfud_smp_client_set_rtt(DfudSmpClient *self, const DfudSmpRtt *rtt);

/* fails every outstanding call with @error (e.g. the link dropped) */
void
dfud_smp_client_fail_all(DfudSmpClient *self, const GError *error);

G_END_DECLS
