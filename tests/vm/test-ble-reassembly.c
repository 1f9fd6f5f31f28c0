/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTestBle"

#include "config.h"

#include "ble/dfud-sim-ble-reassembly.h"

/* an SMP packet of @body_len payload bytes: header len field set, payload 0, 1, 2, ... */
static GByteArray *
make_packet(guint body_len)
{
	GByteArray *p = g_byte_array_sized_new(body_len + 8);
	guint8 hdr[8] = {0x0a, 0, (guint8)(body_len >> 8), (guint8)body_len, 0, 0, 7, 0};

	g_byte_array_append(p, hdr, sizeof(hdr));
	for (guint i = 0; i < body_len; i++) {
		guint8 b = (guint8)i;

		g_byte_array_append(p, &b, 1);
	}
	return p;
}

static void
test_split(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(2475);
	g_autoptr(GByteArray) p = make_packet(1000);
	const guint8 *out;
	gsize len = 0;

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 510), ==,
			DFUD_SIM_BLE_FRAGMENT_PARTIAL);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 498);
	g_assert_null(dfud_sim_ble_reassembly_packet(r, &len));
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data + 510, 498), ==,
			DFUD_SIM_BLE_FRAGMENT_COMPLETE);
	out = dfud_sim_ble_reassembly_packet(r, &len);
	g_assert_cmpmem(out, len, p->data, p->len);
	/* the next write starts a new packet */
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 8), ==,
			DFUD_SIM_BLE_FRAGMENT_PARTIAL);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 1000);
}

static void
test_single_and_empty_body(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(2475);
	g_autoptr(GByteArray) p = make_packet(0);
	gsize len = 0;

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 8), ==,
			DFUD_SIM_BLE_FRAGMENT_COMPLETE);
	g_assert_nonnull(dfud_sim_ble_reassembly_packet(r, &len));
	g_assert_cmpuint(len, ==, 8);
}

static void
test_short_first_fragment(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(2475);
	g_autoptr(GByteArray) p = make_packet(20);

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 7), ==,
			DFUD_SIM_BLE_FRAGMENT_SHORT);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 0);
	/* nothing is under assembly: the next write is a new first fragment */
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, p->len), ==,
			DFUD_SIM_BLE_FRAGMENT_COMPLETE);
}

static void
test_too_big(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(100);
	g_autoptr(GByteArray) fits = make_packet(92);
	g_autoptr(GByteArray) big = make_packet(93);

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, big->data, 20), ==,
			DFUD_SIM_BLE_FRAGMENT_TOO_BIG);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 0);
	/* nothing is under assembly: a packet that fits is taken whole */
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, fits->data, fits->len), ==,
			DFUD_SIM_BLE_FRAGMENT_COMPLETE);
}

static void
test_overflow(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(2475);
	g_autoptr(GByteArray) p = make_packet(100);

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 60), ==,
			DFUD_SIM_BLE_FRAGMENT_PARTIAL);
	/* 49 bytes where 48 are missing: the whole packet is dropped */
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data + 60, 49), ==,
			DFUD_SIM_BLE_FRAGMENT_OVERFLOW);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 0);
}

static void
test_reset(void)
{
	g_autoptr(DfudSimBleReassembly) r = dfud_sim_ble_reassembly_new(2475);
	g_autoptr(GByteArray) p = make_packet(100);

	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, 60), ==,
			DFUD_SIM_BLE_FRAGMENT_PARTIAL);
	dfud_sim_ble_reassembly_reset(r);
	g_assert_cmpuint(dfud_sim_ble_reassembly_expected(r), ==, 0);
	g_assert_cmpint(dfud_sim_ble_reassembly_collect(r, p->data, p->len), ==,
			DFUD_SIM_BLE_FRAGMENT_COMPLETE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/ble/reassembly/split", test_split);
	g_test_add_func("/sim/ble/reassembly/empty-body", test_single_and_empty_body);
	g_test_add_func("/sim/ble/reassembly/short-first-fragment", test_short_first_fragment);
	g_test_add_func("/sim/ble/reassembly/too-big", test_too_big);
	g_test_add_func("/sim/ble/reassembly/overflow", test_overflow);
	g_test_add_func("/sim/ble/reassembly/reset", test_reset);
	return g_test_run();
}
