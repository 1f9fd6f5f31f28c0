/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include "dfud-error.h"
#include "transport/dfud-transport-udp.h"
#include "transport/dfud-transport-uri.h"

typedef struct {
	const gchar *uri;
	DfudTransportUriKind kind;
	const gchar *host;
	guint port;
	const gchar *address;
	const gchar *adapter;
	const gchar *canonical;
	guint att_mtu;
} UriCase;

static const UriCase valid_cases[] = {
    {"udp:127.0.0.1:1337", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1337, NULL, NULL,
     "udp:127.0.0.1:1337"},
    {"udp:192.168.1.20:5683", DFUD_TRANSPORT_URI_UDP, "192.168.1.20", 5683, NULL, NULL,
     "udp:192.168.1.20:5683"},
    {"udp:10.0.0.1", DFUD_TRANSPORT_URI_UDP, "10.0.0.1", 1337, NULL, NULL, "udp:10.0.0.1:1337"},
    {"udp:device.local:1", DFUD_TRANSPORT_URI_UDP, "device.local", 1, NULL, NULL,
     "udp:device.local:1"},
    {"udp:my-board_2:65535", DFUD_TRANSPORT_URI_UDP, "my-board_2", 65535, NULL, NULL,
     "udp:my-board_2:65535"},
    {"udp:[::1]:1337", DFUD_TRANSPORT_URI_UDP, "::1", 1337, NULL, NULL, "udp:[::1]:1337"},
    {"udp:[2001:db8::42]:9000", DFUD_TRANSPORT_URI_UDP, "2001:db8::42", 9000, NULL, NULL,
     "udp:[2001:db8::42]:9000"},
    {"udp:[fe80::1]", DFUD_TRANSPORT_URI_UDP, "fe80::1", 1337, NULL, NULL, "udp:[fe80::1]:1337"},
    {"udp:127.0.0.1:1337?mtu=247", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1337, NULL, NULL,
     "udp:127.0.0.1:1337?mtu=247", 247},
    {"udp:sim?mtu=23", DFUD_TRANSPORT_URI_UDP, "sim", 1337, NULL, NULL, "udp:sim:1337?mtu=23", 23},
    {"udp:[::1]:9?mtu=517", DFUD_TRANSPORT_URI_UDP, "::1", 9, NULL, NULL, "udp:[::1]:9?mtu=517",
     517},
    {"ble:AA:BB:CC:DD:EE:FF", DFUD_TRANSPORT_URI_BLE, NULL, 0, "AA:BB:CC:DD:EE:FF", NULL,
     "ble:AA:BB:CC:DD:EE:FF"},
    {"ble:c0:ff:ee:00:12:3a", DFUD_TRANSPORT_URI_BLE, NULL, 0, "C0:FF:EE:00:12:3A", NULL,
     "ble:C0:FF:EE:00:12:3A"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hci1", DFUD_TRANSPORT_URI_BLE, NULL, 0, "AA:BB:CC:DD:EE:FF",
     "hci1", "ble:AA:BB:CC:DD:EE:FF?adapter=hci1"},
    {"00:11:22:33:44:55", DFUD_TRANSPORT_URI_BLE, NULL, 0, "00:11:22:33:44:55", NULL,
     "ble:00:11:22:33:44:55"},
    {"de:ad:be:ef:00:01?adapter=hci12", DFUD_TRANSPORT_URI_BLE, NULL, 0, "DE:AD:BE:EF:00:01",
     "hci12", "ble:DE:AD:BE:EF:00:01?adapter=hci12"},
};

static const gchar *const invalid_cases[] = {
    "",
    "udp:",
    "udp::1337",
    "udp:127.0.0.1:",
    "udp:127.0.0.1:0",
    "udp:127.0.0.1:65536",
    "udp:127.0.0.1:99999999999",
    "udp:127.0.0.1:13a7",
    "udp:127.0.0.1:-1",
    "udp:127.0.0.1:+80",
    "udp:::1:1337",
    "udp:[::1",
    "udp:[::1]x",
    "udp:[::1]:",
    "udp:[::1]:0",
    "udp:[127.0.0.1]:1337",
    "udp:[not-an-address]:1337",
    "udp:[]:1337",
    "udp:host name:1337",
    "udp:host/path:1337",
    "udp:.leading:1337",
    "udp:a..b:1337",
    "udp:user@host:1337",
    "udp:127.0.0.1:1337?",
    "udp:127.0.0.1:1337?mtu=",
    "udp:127.0.0.1:1337?mtu=22",
    "udp:127.0.0.1:1337?mtu=518",
    "udp:127.0.0.1:1337?mtu=247x",
    "udp:127.0.0.1:1337?mtu=-1",
    "udp:127.0.0.1:1337?adapter=hci0",
    "udp:127.0.0.1:1337?mtu=247&mtu=23",
    "udp:127.0.0.1?mtu=247:1337",
    "tcp:127.0.0.1:1337",
    "UDP:127.0.0.1:1337",
    " udp:127.0.0.1:1337",
    "127.0.0.1:1337",
    "localhost",
    "ble:",
    "ble:AA:BB:CC:DD:EE",
    "ble:AA:BB:CC:DD:EE:FF:00",
    "ble:AA:BB:CC:DD:EE:FG",
    "ble:AABBCCDDEEFF",
    "ble:AA-BB-CC-DD-EE-FF",
    "ble:A:BB:CC:DD:EE:FFF",
    "ble:AA:BB:CC:DD:EE:FF ",
    "ble:AA:BB:CC:DD:EE:FF?",
    "ble:AA:BB:CC:DD:EE:FF?adapter=",
    "ble:AA:BB:CC:DD:EE:FF?adapter=hci",
    "ble:AA:BB:CC:DD:EE:FF?adapter=hciX",
    "ble:AA:BB:CC:DD:EE:FF?adapter=eth0",
    "ble:AA:BB:CC:DD:EE:FF?adapter=hci123456",
    "ble:AA:BB:CC:DD:EE:FF?adapter=hci0&x=1",
    "ble:AA:BB:CC:DD:EE:FF?name=x",
    "AA:BB:CC:DD:EE",
    "AA:BB:CC:DD:EE:FF:",
    "ble:/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF",
};

static void
test_uri_valid(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(valid_cases); i++) {
		const UriCase *c = &valid_cases[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(c->uri, &error);
		g_autofree gchar *canonical = NULL;

		g_test_message("%s", c->uri);
		g_assert_no_error(error);
		g_assert_nonnull(uri);
		g_assert_cmpint(uri->kind, ==, c->kind);
		g_assert_cmpstr(uri->host, ==, c->host);
		g_assert_cmpuint(uri->port, ==, c->port);
		g_assert_cmpstr(uri->address, ==, c->address);
		g_assert_cmpstr(uri->adapter, ==, c->adapter);
		g_assert_cmpuint(uri->att_mtu, ==, c->att_mtu);
		canonical = dfud_transport_uri_to_string(uri);
		g_assert_cmpstr(canonical, ==, c->canonical);
	}
}

static void
test_uri_invalid(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *long_host = g_strnfill(600, 'a');
	g_autofree gchar *long_uri = g_strconcat("udp:", long_host, ":1337", NULL);
	g_autofree gchar *label = g_strnfill(254, 'b');
	g_autofree gchar *long_name = g_strconcat("udp:", label, ":1", NULL);

	for (guint i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
		g_autoptr(DfudTransportUri) uri = NULL;

		g_test_message("\"%s\"", invalid_cases[i]);
		uri = dfud_transport_uri_parse(invalid_cases[i], &error);
		g_assert_null(uri);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		g_assert_cmpstr(dfud_error_name(error), ==, "InvalidArgument");
		g_clear_error(&error);
		g_assert_null(dfud_transport_new_for_uri(invalid_cases[i], &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
	g_assert_null(dfud_transport_uri_parse(NULL, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(dfud_transport_uri_parse(long_uri, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(dfud_transport_uri_parse("udp:\xff\xfe:1", &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(dfud_transport_uri_parse(long_name, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
}

static void
test_bt_address(void)
{
	gchar out[DFUD_TRANSPORT_BT_ADDRESS_LEN + 1];

	g_assert_true(dfud_transport_bt_address_parse("aa:bb:cc:dd:ee:0f", out));
	g_assert_cmpstr(out, ==, "AA:BB:CC:DD:EE:0F");
	g_assert_true(dfud_transport_bt_address_parse("01:23:45:67:89:AB", NULL));
	g_assert_false(dfud_transport_bt_address_parse(NULL, out));
	g_assert_false(dfud_transport_bt_address_parse("", out));
	g_assert_false(dfud_transport_bt_address_parse("01:23:45:67:89:AB:", out));
	g_assert_false(dfud_transport_bt_address_parse("01:23:45:67:89", out));
	g_assert_false(dfud_transport_bt_address_parse("01-23-45-67-89-AB", out));
	g_assert_false(dfud_transport_bt_address_parse("0x:23:45:67:89:AB", out));
	g_assert_false(dfud_transport_bt_address_parse("012:3:45:67:89:AB", out));
}

/* the factory: UDP transports carry their canonical URI and the UDP limits */
static void
test_uri_new_udp(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) v4 = dfud_transport_new_for_uri("udp:127.0.0.1:4242", &error);
	g_autoptr(DfudTransport) v6 = NULL;
	g_autoptr(DfudTransport) name = NULL;

	g_assert_no_error(error);
	g_assert_true(DFUD_IS_TRANSPORT_UDP(v4));
	g_assert_cmpstr(dfud_transport_get_uri(v4), ==, "udp:127.0.0.1:4242");
	g_assert_cmpuint(dfud_transport_get_max_packet(v4), ==, 1500);
	g_assert_cmpuint(dfud_transport_get_fragment_size(v4), ==, 1500);
	g_assert_false(dfud_transport_is_open(v4));

	v6 = dfud_transport_new_for_uri("udp:[::1]", &error);
	g_assert_no_error(error);
	g_assert_true(DFUD_IS_TRANSPORT_UDP(v6));
	g_assert_cmpstr(dfud_transport_get_uri(v6), ==, "udp:[::1]:1337");

	name = dfud_transport_new_for_uri("udp:localhost:7", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(dfud_transport_get_uri(name), ==, "udp:localhost:7");
	g_assert_cmpuint(dfud_transport_get_mtu(name), ==, 0);
}

/* ?mtu=N: packets sized as for a BLE link of that ATT MTU (fragments of N - 3, reassembly) */
static void
test_uri_new_udp_att_mtu(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) t = dfud_transport_new_for_uri("udp:127.0.0.1:4242?mtu=247", &error);

	g_assert_no_error(error);
	g_assert_true(DFUD_IS_TRANSPORT_UDP(t));
	g_assert_cmpstr(dfud_transport_get_uri(t), ==, "udp:127.0.0.1:4242?mtu=247");
	g_assert_cmpuint(dfud_transport_get_mtu(t), ==, 247);
	g_assert_cmpuint(dfud_transport_get_fragment_size(t), ==, 244);
	g_assert_cmpuint(dfud_transport_get_max_packet(t), >, 4096);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/transport/uri/valid", test_uri_valid);
	g_test_add_func("/transport/uri/invalid", test_uri_invalid);
	g_test_add_func("/transport/uri/bt-address", test_bt_address);
	g_test_add_func("/transport/uri/new-udp", test_uri_new_udp);
	g_test_add_func("/transport/uri/new-udp-att-mtu", test_uri_new_udp_att_mtu);
	return g_test_run();
}
