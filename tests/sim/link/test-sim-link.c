/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <math.h>

#include "link/dfud-sim-link.h"

/*
 * Hand-computed air times (us):
 *   LL PDU with n payload bytes: 1M (10 + n) * 8, 2M (11 + n) * 4; empty: 80 (1M), 44 (2M)
 *   exchange = PDU + T_IFS 150 + empty PDU; consecutive exchanges in an event 150 apart
 *   2M, 251 bytes: 1048 + 150 + 44 = 1242; 5 fit in 7500 - 150 (5 * 1242 + 4 * 150 = 6810)
 *   1M, 251 bytes: 2088 + 150 + 80 = 2318; 3 fit (3 * 2318 + 2 * 150 = 7254)
 *   2M, 27 bytes: 152 + 150 + 44 = 346
 */

static DfudSimLinkParams
params_2m(void)
{
	DfudSimLinkParams params;

	dfud_sim_link_params_init(&params);
	params.enabled = TRUE;
	return params;
}

static void
test_params_defaults(void)
{
	DfudSimLinkParams params;

	dfud_sim_link_params_init(&params);
	g_assert_false(params.enabled);
	g_assert_cmpint(params.phy, ==, DFUD_SIM_PHY_2M);
	g_assert_cmpuint(params.conn_interval_us, ==, 7500);
	g_assert_cmpuint(params.att_mtu, ==, 498);
	g_assert_cmpuint(params.ll_octets, ==, 251);
	g_assert_cmpuint(params.max_pdus_per_event, ==, 0);
	g_assert_cmpfloat(params.time_scale, ==, 1.0);
}

static void
test_phy_strings(void)
{
	DfudSimPhy phy = DFUD_SIM_PHY_2M;

	g_assert_true(dfud_sim_link_phy_from_string("1M", &phy));
	g_assert_cmpint(phy, ==, DFUD_SIM_PHY_1M);
	g_assert_true(dfud_sim_link_phy_from_string("2m", &phy));
	g_assert_cmpint(phy, ==, DFUD_SIM_PHY_2M);
	g_assert_true(dfud_sim_link_phy_from_string("coded", &phy));
	g_assert_cmpint(phy, ==, DFUD_SIM_PHY_CODED_S8);
	phy = DFUD_SIM_PHY_1M;
	g_assert_false(dfud_sim_link_phy_from_string("3M", &phy));
	g_assert_false(dfud_sim_link_phy_from_string("", &phy));
	g_assert_false(dfud_sim_link_phy_from_string(NULL, &phy));
	g_assert_cmpint(phy, ==, DFUD_SIM_PHY_1M);
	g_assert_cmpstr(dfud_sim_link_phy_to_string(DFUD_SIM_PHY_1M), ==, "1M");
	g_assert_cmpstr(dfud_sim_link_phy_to_string(DFUD_SIM_PHY_2M), ==, "2M");
	g_assert_cmpstr(dfud_sim_link_phy_to_string(DFUD_SIM_PHY_CODED_S8), ==, "coded");
}

static void
test_disabled(void)
{
	DfudSimLinkParams params;
	g_autoptr(DfudSimLink) link = NULL;

	dfud_sim_link_params_init(&params);
	link = dfud_sim_link_new(&params);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 2475, 1000), ==, 1000);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 2475, 1000), ==, 1000);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 8, 5), ==, 5);
}

static void
test_single_packets(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = dfud_sim_link_new(&params);

	/* 495 bytes: one full ATT PDU, 502 bytes with headers: 251 + 251 */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 1000000), ==,
			1000000 + 1242 + 150 + 1242);
	/* the other direction has its own queue: a 20-byte echo, 27 bytes, one exchange */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 1000000), ==,
			1000000 + 346);
	/* 496 bytes: ATT PDUs of 495 and 1 bytes -> LL PDUs of 251, 251 and 8 bytes, the last
	 * one (8 + 11) * 4 + 150 + 44 = 270, all three in event 0 */
	dfud_sim_link_reset(link);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 496, 0), ==,
			1242 + 150 + 1242 + 150 + 270);
}

static void
test_1m(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = NULL;

	params.phy = DFUD_SIM_PHY_1M;
	link = dfud_sim_link_new(&params);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==,
			2318 + 150 + 2318);
	/* the next packet: its first PDU is the 3rd of event 0, the second opens event 1 */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==, 7500 + 2318);
	/* 1M, 20 bytes: (10 + 27) * 8 + 150 + 80 = 526 */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 0), ==, 526);
}

static void
test_queueing(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = dfud_sim_link_new(&params);
	gint64 prev = 0;

	/* saturated: 5 PDUs per event, each packet 2 PDUs; packets end in events 0,0,1,1,1,2.. */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==, 2634);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==,
			2634 + 150 + 2634);
	/* 5th PDU ends event 0, 6th is the first of event 1 */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==, 7500 + 1242);
	for (guint i = 0; i < 50; i++) {
		gint64 t = dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 100);

		g_assert_cmpint(t, >, prev);
		prev = t;
	}
	/* 53 packets = 106 PDUs = 21 full events + 1 PDU */
	g_assert_cmpint(prev, ==, 21 * 7500 + 1242);

	/* a packet handed over mid-event waits for the next event, after the backlog */
	dfud_sim_link_reset(link);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 0), ==, 346);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 10000), ==,
			15000 + 346);
	/* exactly at an event start: that event */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 22500), ==,
			22500 + 346);
	/* an idle direction is not delayed by the other one's backlog */
	for (guint i = 0; i < 20; i++)
		dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 2475, 30000);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 30000), ==,
			30000 + 346);
	/* a time before the anchor counts as the anchor */
	dfud_sim_link_reset(link);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 20, 50000), ==, 50346);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_DOWN, 20, 40000), ==, 50346);
}

static void
test_max_pdus(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = NULL;

	params.max_pdus_per_event = 1;
	link = dfud_sim_link_new(&params);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==, 7500 + 1242);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 0), ==,
			3 * 7500 + 1242);
	/* 2 PDUs per 15 ms for 495 bytes */
	g_assert_cmpfloat_with_epsilon(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495),
				       33000.0, 0.01);
}

static void
test_capacity(void)
{
	DfudSimLinkParams params = params_2m();
	gdouble c2m;
	gdouble c1m;
	gdouble small;
	gdouble coded;

	/* 2M: 5 packets of 495 bytes per 2 events (15 ms) */
	c2m = dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495);
	g_assert_cmpfloat_with_epsilon(c2m, 165000.0, 0.01);
	g_assert_cmpfloat_with_epsilon(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_DOWN, 495),
				       c2m, 0.01);
	/* 1M: 3 packets per 2 events */
	params.phy = DFUD_SIM_PHY_1M;
	c1m = dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495);
	g_assert_cmpfloat_with_epsilon(c1m, 99000.0, 0.01);
	/* MTU 23, DLE 27: 20 bytes per exchange, 15 exchanges per event: about 40 kB/s */
	params.phy = DFUD_SIM_PHY_2M;
	params.att_mtu = 23;
	params.ll_octets = 27;
	small = dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495);
	g_assert_cmpfloat(small, >, 38000.0);
	g_assert_cmpfloat(small, <, 40500.0);
	/* coded S8: one 251-byte PDU (17654 us with the exchange) per 3 events */
	dfud_sim_link_params_init(&params);
	params.phy = DFUD_SIM_PHY_CODED_S8;
	coded = dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495);
	g_assert_cmpfloat_with_epsilon(coded, 495.0 / 0.045, 0.01);
	g_assert_cmpfloat(coded, <, c1m / 5);
	/* a bigger interval carries more per event but the rate changes little at 2M */
	dfud_sim_link_params_init(&params);
	params.conn_interval_us = 50000;
	g_assert_cmpfloat(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495), >, c2m);
	g_assert_cmpfloat(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 0), ==, 0.0);
}

/* the saturated rate agrees with what transmit() does */
static void
test_capacity_matches_transmit(void)
{
	DfudSimLinkParams params = params_2m();
	const gsize sizes[] = {20, 256, 495, 1024, 2475};

	for (guint phy = 0; phy < 3; phy++) {
		for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
			g_autoptr(DfudSimLink) link = NULL;
			gint64 first;
			gint64 last = 0;
			gdouble rate;
			gdouble capacity;

			params.phy = (DfudSimPhy)phy;
			params.att_mtu = s % 2 == 0 ? 498 : 247;
			link = dfud_sim_link_new(&params);
			first = dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, sizes[s], 0);
			for (guint i = 0; i < 400; i++)
				last = dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, sizes[s], 0);
			rate = (gdouble)sizes[s] * 400 * G_USEC_PER_SEC / (gdouble)(last - first);
			capacity = dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, sizes[s]);
			g_assert_cmpfloat(capacity, >, 0.0);
			g_assert_cmpfloat(ABS(rate - capacity) / capacity, <, 0.02);
		}
	}
}

/* out-of-range parameters are brought into the Bluetooth ranges instead of misbehaving */
static void
test_clamped(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = NULL;

	params.att_mtu = 0;
	params.ll_octets = 0;
	params.conn_interval_us = 0;
	params.phy = (DfudSimPhy)42;
	link = dfud_sim_link_new(&params);
	/* as MTU 23, DLE 27, 7.5 ms, 2M */
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 20, 0), ==, 346);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 0, 0), ==,
			346 + 150 + (11 + 7) * 4 + 150 + 44);
	g_assert_cmpfloat(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495), >, 30000.0);
}

/* the conversions between monotonic and model time round to whole microseconds */
static void
test_time_conversions(void)
{
	/* model time runs 1 / scale as fast: down when entering the model, up when leaving */
	g_assert_cmpint(dfud_sim_link_to_model_us(3, 0.1), ==, 30);
	g_assert_cmpint(dfud_sim_link_to_wall_us(30, 0.1), ==, 3);
	g_assert_cmpint(dfud_sim_link_to_wall_us(1500, 0.1), ==, 150);
	g_assert_cmpint(dfud_sim_link_to_wall_us(7, 0.5), ==, 4);
	g_assert_cmpint(dfud_sim_link_to_model_us(7, 2.0), ==, 3);
	g_assert_cmpint(dfud_sim_link_to_model_us(7, 0.5), ==, 14);
	g_assert_cmpint(dfud_sim_link_to_wall_us(1242, 0.2), ==, 249);
	g_assert_cmpint(dfud_sim_link_to_model_us(123456789, 1.0), ==, 123456789);
	g_assert_cmpint(dfud_sim_link_to_wall_us(123456789, 1.0), ==, 123456789);
	/* no valid scale: 1 */
	g_assert_cmpint(dfud_sim_link_to_model_us(77, 0.0), ==, 77);
	g_assert_cmpint(dfud_sim_link_to_wall_us(77, -3.0), ==, 77);
	/* there and back: never earlier, and less than one wall microsecond later */
	for (gint64 t = 0; t < 100000; t += 997) {
		gint64 back =
		    dfud_sim_link_to_model_us(dfud_sim_link_to_wall_us(t, 0.25), 0.25);

		g_assert_cmpint(back, >=, t);
		g_assert_cmpint(back, <, t + 4);
		g_assert_cmpint(dfud_sim_link_to_wall_us(t, 3.0), ==, 3 * t);
	}
}

/*
 * A link at time scale F sees the same traffic F times as fast: every packet arrives at
 * the time the unscaled link computes, times F (rounded up), after the same first packet;
 * the same connection events, in the same order, also across a reset.
 */
static void
test_time_scale(void)
{
	static const struct {
		DfudSimLinkDir dir;
		gsize len;
		gint64 at; /* model time the packet is handed over */
		gboolean reset_before;
	} traffic[] = {
	    {DFUD_SIM_LINK_UP, 495, 0, FALSE},	    {DFUD_SIM_LINK_UP, 495, 0, FALSE},
	    {DFUD_SIM_LINK_UP, 2475, 400, FALSE},   {DFUD_SIM_LINK_DOWN, 20, 2600, FALSE},
	    {DFUD_SIM_LINK_UP, 1024, 10000, FALSE}, {DFUD_SIM_LINK_DOWN, 20, 22500, FALSE},
	    {DFUD_SIM_LINK_UP, 20, 31000, TRUE},    {DFUD_SIM_LINK_UP, 2475, 31000, FALSE},
	    {DFUD_SIM_LINK_DOWN, 20, 40000, FALSE}, {DFUD_SIM_LINK_UP, 495, 90000, FALSE},
	};
	const gdouble scales[] = {0.1, 0.25, 0.5, 2.0};
	const gint64 epoch = 5000000; /* the scaled link's first packet, monotonic */

	for (guint k = 0; k < G_N_ELEMENTS(scales); k++) {
		DfudSimLinkParams params = params_2m();
		g_autoptr(DfudSimLink) model = NULL;
		g_autoptr(DfudSimLink) scaled = NULL;

		params.phy = k % 2 == 0 ? DFUD_SIM_PHY_2M : DFUD_SIM_PHY_1M;
		model = dfud_sim_link_new(&params);
		params.time_scale = scales[k];
		scaled = dfud_sim_link_new(&params);
		for (guint i = 0; i < G_N_ELEMENTS(traffic); i++) {
			gint64 want;
			gint64 got;
			gint64 now = epoch + dfud_sim_link_to_wall_us(traffic[i].at, scales[k]);

			if (traffic[i].reset_before) {
				dfud_sim_link_reset(model);
				dfud_sim_link_reset(scaled);
			}
			want = dfud_sim_link_transmit(model, traffic[i].dir, traffic[i].len,
						      traffic[i].at);
			got = dfud_sim_link_transmit(scaled, traffic[i].dir, traffic[i].len, now);
			g_assert_cmpint(got, ==, epoch + dfud_sim_link_to_wall_us(want, scales[k]));
			g_assert_cmpint(got, >=, now);
			/* the air time really is scaled: within a microsecond of want * F */
			g_assert_cmpfloat(fabs((gdouble)(got - epoch) - want * scales[k]), <=, 1.0);
		}
	}
}

/* a scale that is not > 0 is taken as 1 */
static void
test_time_scale_invalid(void)
{
	DfudSimLinkParams params = params_2m();
	g_autoptr(DfudSimLink) link = NULL;

	params.time_scale = 0.0;
	link = dfud_sim_link_new(&params);
	g_assert_cmpint(dfud_sim_link_transmit(link, DFUD_SIM_LINK_UP, 495, 1000), ==,
			1000 + 1242 + 150 + 1242);
	/* the capacity is model time: the scale does not change it */
	params.time_scale = 0.1;
	g_assert_cmpfloat_with_epsilon(dfud_sim_link_capacity(&params, DFUD_SIM_LINK_UP, 495),
				       165000.0, 0.01);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/link/params-defaults", test_params_defaults);
	g_test_add_func("/sim/link/time-conversions", test_time_conversions);
	g_test_add_func("/sim/link/time-scale", test_time_scale);
	g_test_add_func("/sim/link/time-scale-invalid", test_time_scale_invalid);
	g_test_add_func("/sim/link/phy-strings", test_phy_strings);
	g_test_add_func("/sim/link/disabled", test_disabled);
	g_test_add_func("/sim/link/single-packets", test_single_packets);
	g_test_add_func("/sim/link/1m", test_1m);
	g_test_add_func("/sim/link/queueing", test_queueing);
	g_test_add_func("/sim/link/max-pdus", test_max_pdus);
	g_test_add_func("/sim/link/capacity", test_capacity);
	g_test_add_func("/sim/link/capacity-matches-transmit", test_capacity_matches_transmit);
	g_test_add_func("/sim/link/clamped", test_clamped);
	return g_test_run();
}
