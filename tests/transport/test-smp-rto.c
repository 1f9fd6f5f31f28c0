/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include "engine/dfud-smp-rto.h"

#define MS(ms) ((gint64)(ms) * G_TIME_SPAN_MILLISECOND)

/* RFC 6298: the first sample sets SRTT and RTTVAR = R/2; later ones smooth by 1/8 and 1/4 */
static void
test_rto_samples(void)
{
	DfudSmpRto rto;

	dfud_smp_rto_init(&rto);
	g_assert_cmpint(rto.rto_us, ==, MS(DFUD_SMP_RTO_INITIAL_MS));
	g_assert_cmpint(rto.srtt_us, ==, 0);
	dfud_smp_rto_sample(&rto, MS(400));
	g_assert_cmpint(rto.srtt_us, ==, MS(400));
	g_assert_cmpint(rto.rttvar_us, ==, MS(200));
	/* 400 + 4 * 200 */
	g_assert_cmpint(rto.rto_us, ==, MS(1200));
	dfud_smp_rto_sample(&rto, MS(400));
	g_assert_cmpint(rto.rttvar_us, ==, MS(150));
	g_assert_cmpint(rto.rto_us, ==, MS(1000));
	/* a fast device: down to the floor, never below */
	for (guint i = 0; i < 50; i++)
		dfud_smp_rto_sample(&rto, 300);
	g_assert_cmpint(rto.rto_us, ==, MS(DFUD_SMP_RTO_MIN_MS));
	/* a very slow one: up to the ceiling, never above */
	for (guint i = 0; i < 50; i++)
		dfud_smp_rto_sample(&rto, MS(10000));
	g_assert_cmpint(rto.rto_us, ==, MS(DFUD_SMP_RTO_MAX_MS));
}

/* the back-off that worked is kept, but at most twice the measured timeout */
static void
test_rto_backed_off(void)
{
	DfudSmpRto rto;

	dfud_smp_rto_init(&rto);
	for (guint i = 0; i < 20; i++)
		dfud_smp_rto_sample(&rto, 500);
	g_assert_cmpint(rto.rto_us, ==, MS(200));
	dfud_smp_rto_backed_off(&rto, MS(1600));
	g_assert_cmpint(rto.rto_us, ==, MS(400));
	/* never lowers it */
	dfud_smp_rto_backed_off(&rto, MS(100));
	g_assert_cmpint(rto.rto_us, ==, MS(400));
	/* the next measured request sets it again */
	dfud_smp_rto_sample(&rto, 500);
	g_assert_cmpint(rto.rto_us, ==, MS(200));
	/* before any sample: up to twice the initial one */
	dfud_smp_rto_init(&rto);
	dfud_smp_rto_backed_off(&rto, MS(8000));
	g_assert_cmpint(rto.rto_us, ==, MS(2000));
}

/* a new client starts from what an earlier one measured; nothing measured changes nothing */
static void
test_rto_seed(void)
{
	DfudSmpRto rto;

	dfud_smp_rto_init(&rto);
	dfud_smp_rto_seed(&rto, 0, 0);
	g_assert_cmpint(rto.rto_us, ==, MS(DFUD_SMP_RTO_INITIAL_MS));
	dfud_smp_rto_seed(&rto, MS(100), MS(50));
	g_assert_cmpint(rto.srtt_us, ==, MS(100));
	g_assert_cmpint(rto.rto_us, ==, MS(300));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/smp/rto/samples", test_rto_samples);
	g_test_add_func("/smp/rto/backed-off", test_rto_backed_off);
	g_test_add_func("/smp/rto/seed", test_rto_seed);
	return g_test_run();
}
