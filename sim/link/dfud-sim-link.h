/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A model of a BLE connection's air time: how long SMP packets take from one side to the
 * other when cut into ATT writes / notifications of ATT_MTU - 3 bytes, each carried in link-layer
 * PDUs of up to ll_octets payload bytes, at most max_pdus_per_event per direction per connection
 * event, at the PHY's bit rate. It only computes times; who waits is the caller's business.
 */
typedef enum {
	DFUD_SIM_PHY_1M,
	DFUD_SIM_PHY_2M,
	DFUD_SIM_PHY_CODED_S8,
} DfudSimPhy;

typedef enum {
	DFUD_SIM_LINK_UP,   /* client -> device (ATT write commands) */
	DFUD_SIM_LINK_DOWN, /* device -> client (notifications) */
} DfudSimLinkDir;

typedef struct {
	gboolean enabled;	  /* FALSE: packets arrive at once */
	DfudSimPhy phy;		  /* --link-phy 1M|2M|coded (2M) */
	guint conn_interval_us;	  /* --link-interval MS (7.5 ms: what Zephyr's SMP asks for) */
	guint att_mtu;		  /* --link-mtu (498) */
	guint ll_octets;	  /* --link-data-length: LL payload per PDU, 27..251 (251) */
	guint max_pdus_per_event; /* --link-pdus: per direction per event, 0 = as many as fit */
	gdouble time_scale;	  /* --link-time-scale: wall time per model time, > 0 (1) */
} DfudSimLinkParams;

typedef struct _DfudSimLink DfudSimLink;

void
dfud_sim_link_params_init(DfudSimLinkParams *params);
gboolean
dfud_sim_link_phy_from_string(const gchar *str, DfudSimPhy *phy);
const gchar *
dfud_sim_link_phy_to_string(DfudSimPhy phy);

DfudSimLink *
dfud_sim_link_new(const DfudSimLinkParams *params);
void
dfud_sim_link_free(DfudSimLink *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimLink, dfud_sim_link_free)

/*
 * Queues a @len-byte SMP packet handed to the link at @now_us (monotonic) in @dir, after
 * everything queued before it in that direction, and returns when its last byte arrives
 * (monotonic, >= @now_us). Disabled links return @now_us.
 *
 * The model runs on its own clock: model time = (monotonic - the first packet's time) /
 * time_scale, and the time it computes is converted back the same way, so a time_scale of 0.1
 * runs the same connection events, in the same order, ten times faster.
 */
gint64
dfud_sim_link_transmit(DfudSimLink *self, DfudSimLinkDir dir, gsize len, gint64 now_us);
/* forgets queued traffic (the link dropped) */
void
dfud_sim_link_reset(DfudSimLink *self);
/* model time of @wall_us of monotonic time: wall / @scale, rounded down (scale <= 0: 1) */
gint64
dfud_sim_link_to_model_us(gint64 wall_us, gdouble scale);
/* monotonic time of @model_us of model time: model * @scale, rounded up (scale <= 0: 1) */
gint64
dfud_sim_link_to_wall_us(gint64 model_us, gdouble scale);
/* SMP bytes per second (model time) the model carries in one direction when saturated with @packet_len packets */
gdouble
dfud_sim_link_capacity(const DfudSimLinkParams *params, DfudSimLinkDir dir, gsize packet_len);

G_END_DECLS
