/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include "dfud-error.h"
#include "udp/dfud-sim-udp.h"

static void
test_parse_ok(void)
{
	const struct {
		const gchar *str;
		const gchar *host;
		guint16 port;
	} cases[] = {
	    {"127.0.0.1:1337", "127.0.0.1", 1337}, {"localhost:0", "localhost", 0},
	    {"[::1]:65535", "::1", 65535},	   {"[fe80::1%lo]:5", "fe80::1%lo", 5},
	    {"0.0.0.0:01337", "0.0.0.0", 1337},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *host = NULL;
		guint16 port = 1;

		g_assert_true(dfud_sim_udp_parse_host_port(cases[i].str, &host, &port, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(host, ==, cases[i].host);
		g_assert_cmpuint(port, ==, cases[i].port);
	}
}

static void
test_parse_bad(void)
{
	const gchar *const bad[] = {
	    "",
	    "127.0.0.1",
	    "127.0.0.1:",
	    ":1337",
	    "127.0.0.1:65536",
	    "127.0.0.1:-1",
	    "a:b",
	    "::1:1337",
	    "[::1]",
	    "[::1]1337",
	    "[]:1",
	    "[::1:1",
	    "h:1 ",
	    "h:0x10",
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *host = NULL;
		guint16 port = 7;

		g_assert_false(dfud_sim_udp_parse_host_port(bad[i], &host, &port, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		g_assert_null(host);
		g_assert_cmpuint(port, ==, 7);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *host = NULL;
		guint16 port = 7;

		g_assert_false(dfud_sim_udp_parse_host_port(NULL, &host, &port, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_resolve(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetSocketAddress) v4 = dfud_sim_udp_resolve("127.0.0.1", 1337, &error);
	g_autoptr(GInetSocketAddress) v6 = NULL;
	g_autoptr(GInetSocketAddress) bad = NULL;
	g_autofree gchar *s4 = NULL;
	g_autofree gchar *s6 = NULL;

	g_assert_no_error(error);
	s4 = dfud_sim_udp_address_to_string(v4);
	g_assert_cmpstr(s4, ==, "127.0.0.1:1337");
	v6 = dfud_sim_udp_resolve("::1", 0, &error);
	g_assert_no_error(error);
	s6 = dfud_sim_udp_address_to_string(v6);
	g_assert_cmpstr(s6, ==, "[::1]:0");
	/* the reserved .invalid TLD never resolves */
	bad = dfud_sim_udp_resolve("dfud-sim.invalid", 1, &error);
	g_assert_null(bad);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sim/udp/address/parse", test_parse_ok);
	g_test_add_func("/sim/udp/address/parse-bad", test_parse_bad);
	g_test_add_func("/sim/udp/address/resolve", test_resolve);
	return g_test_run();
}
