/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSimLink"

#include "config.h"

#include <math.h>
#include <string.h>

#include "dfud-sim-link.h"

/*
 * The air model. An SMP packet becomes ATT PDUs of at most ATT_MTU - 3 bytes; each one gets
 * a 3-byte ATT header and a 4-byte L2CAP header and is cut into LL PDUs of at most ll_octets
 * payload bytes. Every LL PDU is one exchange in a connection event: the data PDU, T_IFS, the
 * peer's (empty) PDU, and T_IFS before the next exchange. An event starts every connection
 * interval, carries at most max_pdus_per_event data PDUs per direction and must end 150 us
 * before the next one begins. Each direction has its own queue (the event and the time used
 * in it where its next PDU goes); both directions pay for the peer's empty PDU.
 */

#define T_IFS_US 150
#define EVENT_MARGIN_US 150
#define ATT_HEADER 3
#define L2CAP_HEADER 4
#define LL_OCTETS_MIN 27
#define LL_OCTETS_MAX 251
#define ATT_MTU_MIN 23
#define ATT_MTU_MAX 65535
#define INTERVAL_MIN_US 7500
#define INTERVAL_MAX_US 4000000

typedef struct {
	gint64 event;	/* connection event index of the next PDU */
	gint64 used_us; /* air time already used by this direction in that event */
	guint pdus;	/* data PDUs already in that event */
} DfudSimLinkQueue;

struct _DfudSimLink {
	DfudSimLinkParams params;
	gboolean has_epoch;
	gint64 epoch_us; /* monotonic time of model time 0: the first packet's */
	gboolean anchored;
	gint64 anchor_us; /* start of connection event 0, model time */
	DfudSimLinkQueue queues[2];
};

void
dfud_sim_link_params_init(DfudSimLinkParams *params)
{
	g_return_if_fail(params != NULL);
	params->enabled = FALSE;
	params->phy = DFUD_SIM_PHY_2M;
	params->conn_interval_us = 7500;
	params->att_mtu = 498;
	params->ll_octets = 251;
	params->max_pdus_per_event = 0;
	params->time_scale = 1.0;
}

gboolean
dfud_sim_link_phy_from_string(const gchar *str, DfudSimPhy *phy)
{
	g_return_val_if_fail(phy != NULL, FALSE);
	if (str == NULL)
		return FALSE;
	if (g_ascii_strcasecmp(str, "1M") == 0) {
		*phy = DFUD_SIM_PHY_1M;
		return TRUE;
	}
	if (g_ascii_strcasecmp(str, "2M") == 0) {
		*phy = DFUD_SIM_PHY_2M;
		return TRUE;
	}
	if (g_ascii_strcasecmp(str, "coded") == 0 || g_ascii_strcasecmp(str, "coded-s8") == 0) {
		*phy = DFUD_SIM_PHY_CODED_S8;
		return TRUE;
	}
	return FALSE;
}

const gchar *
dfud_sim_link_phy_to_string(DfudSimPhy phy)
{
	switch (phy) {
	case DFUD_SIM_PHY_1M:
		return "1M";
	case DFUD_SIM_PHY_2M:
		return "2M";
	case DFUD_SIM_PHY_CODED_S8:
		return "coded";
	}
	return "unknown";
}

/* the parameters brought into the ranges the Bluetooth Core spec allows */
static void
link_params_normalize(DfudSimLinkParams *params)
{
	params->conn_interval_us =
	    CLAMP(params->conn_interval_us, INTERVAL_MIN_US, INTERVAL_MAX_US);
	params->att_mtu = CLAMP(params->att_mtu, ATT_MTU_MIN, ATT_MTU_MAX);
	params->ll_octets = CLAMP(params->ll_octets, LL_OCTETS_MIN, LL_OCTETS_MAX);
	if (params->phy != DFUD_SIM_PHY_1M && params->phy != DFUD_SIM_PHY_CODED_S8)
		params->phy = DFUD_SIM_PHY_2M;
	if (!(params->time_scale > 0.0) || !isfinite(params->time_scale))
		params->time_scale = 1.0;
}

/* @value rounded down (@up FALSE) or up, where a value within 1e-6 of an integer is that
 * integer (3 / 0.1 is 29.999999999999996: that is 30) */
static gint64
link_round(gdouble value, gboolean up)
{
	gdouble nearest = round(value);

	if (fabs(value - nearest) < 1e-6)
		return (gint64)nearest;
	return (gint64)(up ? ceil(value) : floor(value));
}

gint64
dfud_sim_link_to_model_us(gint64 wall_us, gdouble scale)
{
	if (!(scale > 0.0) || scale == 1.0)
		return wall_us;
	return link_round((gdouble)wall_us / scale, FALSE);
}

gint64
dfud_sim_link_to_wall_us(gint64 model_us, gdouble scale)
{
	if (!(scale > 0.0) || scale == 1.0)
		return model_us;
	return link_round((gdouble)model_us * scale, TRUE);
}

/* air time of one LL PDU with @payload bytes (header, no MIC, CRC) */
static gint64
link_pdu_us(DfudSimPhy phy, guint payload)
{
	/* header 2 + payload + CRC 3 */
	gint64 pdu = 2 + (gint64)payload + 3;

	switch (phy) {
	case DFUD_SIM_PHY_1M:
		/* preamble 1 + access address 4, 8 us per byte */
		return (1 + 4 + pdu) * 8;
	case DFUD_SIM_PHY_2M:
		/* preamble 2 + access address 4, 4 us per byte */
		return (2 + 4 + pdu) * 4;
	case DFUD_SIM_PHY_CODED_S8:
		/* preamble 80 us, access address 256 us, CI 16 us, TERM1 24 us, then the PDU
		 * and CRC at 125 kbit/s (64 us per byte) and TERM2 24 us */
		return 80 + 256 + 16 + 24 + pdu * 64 + 24;
	}
	return pdu * 8;
}

/* one exchange: the data PDU, T_IFS and the peer's empty PDU (the T_IFS after it is counted
 * only when another exchange follows in the same event) */
static gint64
link_exchange_us(DfudSimPhy phy, guint payload)
{
	return link_pdu_us(phy, payload) + T_IFS_US + link_pdu_us(phy, 0);
}

static gint64
link_event_budget_us(const DfudSimLinkParams *params)
{
	return (gint64)params->conn_interval_us - EVENT_MARGIN_US;
}

/* whether an exchange of @cost fits in the queue's current event */
static gboolean
link_queue_fits(const DfudSimLinkParams *params, const DfudSimLinkQueue *queue, gint64 cost)
{
	if (queue->pdus == 0)
		return TRUE; /* an event always carries at least one PDU */
	if (params->max_pdus_per_event > 0 && queue->pdus >= params->max_pdus_per_event)
		return FALSE;
	return queue->used_us + T_IFS_US + cost <= link_event_budget_us(params);
}

/* places one LL PDU; returns when its exchange ends, relative to event 0 */
static gint64
link_queue_place(const DfudSimLinkParams *params, DfudSimLinkQueue *queue, guint payload)
{
	gint64 cost = link_exchange_us(params->phy, payload);

	if (!link_queue_fits(params, queue, cost)) {
		gint64 interval = params->conn_interval_us;
		gint64 busy = queue->used_us + EVENT_MARGIN_US;

		/* an exchange longer than the interval (coded PHY, long PDUs) also takes the
		 * events it overlaps */
		queue->event += MAX((busy + interval - 1) / interval, 1);
		queue->used_us = 0;
		queue->pdus = 0;
	}
	if (queue->pdus > 0)
		queue->used_us += T_IFS_US;
	queue->used_us += cost;
	queue->pdus++;
	return queue->event * (gint64)params->conn_interval_us + queue->used_us;
}

/* places every LL PDU of a @len-byte SMP packet; returns when the last one has arrived */
static gint64
link_queue_packet(const DfudSimLinkParams *params, DfudSimLinkQueue *queue, gsize len)
{
	gsize att_payload = params->att_mtu - ATT_HEADER;
	gsize left = len;
	gint64 end = 0;

	do {
		gsize att = MIN(left, att_payload);
		gsize sdu = att + ATT_HEADER + L2CAP_HEADER;

		left -= att;
		while (sdu > 0) {
			guint ll = (guint)MIN(sdu, (gsize)params->ll_octets);

			sdu -= ll;
			end = link_queue_place(params, queue, ll);
		}
	} while (left > 0);
	return end;
}

DfudSimLink *
dfud_sim_link_new(const DfudSimLinkParams *params)
{
	DfudSimLink *self;

	g_return_val_if_fail(params != NULL, NULL);
	self = g_new0(DfudSimLink, 1);
	self->params = *params;
	link_params_normalize(&self->params);
	return self;
}

void
dfud_sim_link_free(DfudSimLink *self)
{
	g_free(self);
}

gint64
dfud_sim_link_transmit(DfudSimLink *self, DfudSimLinkDir dir, gsize len, gint64 now_us)
{
	DfudSimLinkQueue *queue;
	gint64 interval;
	gint64 now_event;
	gint64 since;
	gint64 model_now;
	gint64 at;

	g_return_val_if_fail(self != NULL, now_us);
	g_return_val_if_fail(dir == DFUD_SIM_LINK_UP || dir == DFUD_SIM_LINK_DOWN, now_us);
	if (!self->params.enabled)
		return now_us;

	/* model time starts with the first packet; it keeps running across link resets */
	if (!self->has_epoch) {
		self->has_epoch = TRUE;
		self->epoch_us = now_us;
	}
	model_now = dfud_sim_link_to_model_us(now_us - self->epoch_us, self->params.time_scale);
	/* the first packet after the connection (or a reset) opens connection event 0 */
	if (!self->anchored) {
		self->anchored = TRUE;
		self->anchor_us = model_now;
		memset(self->queues, 0, sizeof(self->queues));
	}
	interval = self->params.conn_interval_us;
	since = MAX(model_now - self->anchor_us, 0);
	/* the first event that starts at or after now */
	now_event = since / interval + (since % interval != 0 ? 1 : 0);

	queue = &self->queues[dir];
	if (queue->event < now_event) {
		queue->event = now_event;
		queue->used_us = 0;
		queue->pdus = 0;
	}
	at = self->anchor_us + link_queue_packet(&self->params, queue, len);
	return MAX(self->epoch_us + dfud_sim_link_to_wall_us(at, self->params.time_scale), now_us);
}

void
dfud_sim_link_reset(DfudSimLink *self)
{
	g_return_if_fail(self != NULL);
	self->anchored = FALSE;
	memset(self->queues, 0, sizeof(self->queues));
}

/* the state of a saturated queue after a packet, to find where the pattern repeats */
static guint64
link_queue_key(const DfudSimLinkQueue *queue)
{
	return ((guint64)queue->used_us << 16) | (queue->pdus & 0xffff);
}

gdouble
dfud_sim_link_capacity(const DfudSimLinkParams *params, DfudSimLinkDir dir, gsize packet_len)
{
	g_autoptr(GHashTable) seen = NULL;
	DfudSimLinkParams p;
	DfudSimLinkQueue queue = {0};
	gint64 first_end = 0;
	gint64 end = 0;
	const guint max_packets = 4096;

	g_return_val_if_fail(params != NULL, 0.0);
	if (packet_len == 0)
		return 0.0;
	p = *params;
	link_params_normalize(&p);

	/*
	 * Saturate the queue (the same in every direction: each pays for the other's empty PDU)
	 * until its state after a packet repeats: the packets between two equal states are the
	 * steady pattern, carried in a whole number of connection events.
	 */
	seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	for (guint i = 0; i < max_packets; i++) {
		gint64 *key = g_new(gint64, 1);
		gint64 *value;

		end = link_queue_packet(&p, &queue, packet_len);
		if (i == 0)
			first_end = end;
		*key = (gint64)link_queue_key(&queue);
		value = g_hash_table_lookup(seen, key);
		if (value != NULL) {
			guint first = (guint)value[0];
			gint64 span = end - value[1];

			g_free(key);
			if (span <= 0)
				return 0.0;
			return (gdouble)packet_len * (i - first) * G_USEC_PER_SEC / (gdouble)span;
		}
		value = g_new(gint64, 2);
		value[0] = i;
		value[1] = end;
		g_hash_table_insert(seen, key, value);
	}
	/* no exact period found: the average over the run */
	if (end <= first_end)
		return 0.0;
	return (gdouble)packet_len * (max_packets - 1) * G_USEC_PER_SEC /
	       (gdouble)(end - first_end);
}
