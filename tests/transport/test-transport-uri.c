/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudTest"

#include "config.h"

#include <string.h>

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
	guint ip_mtu;
} UriCase;

static const UriCase valid_cases[] = {
    {"udp:127.0.0.1:1337", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1337, NULL, NULL,
     "udp:127.0.0.1:1337"},
    {"udp:192.168.1.20:5683", DFUD_TRANSPORT_URI_UDP, "192.168.1.20", 5683, NULL, NULL,
     "udp:192.168.1.20:5683"},
    {"udp:10.0.0.1", DFUD_TRANSPORT_URI_UDP, "10.0.0.1", 1337, NULL, NULL, "udp:10.0.0.1:1337"},
    {"udp:255.255.255.254:9", DFUD_TRANSPORT_URI_UDP, "255.255.255.254", 9, NULL, NULL,
     "udp:255.255.255.254:9"},
    {"udp:0.1.2.3:9", DFUD_TRANSPORT_URI_UDP, "0.1.2.3", 9, NULL, NULL, "udp:0.1.2.3:9"},
    /* host names: RFC 1123 (digits first, digits in the middle), kept in lower case */
    {"udp:device.local:1", DFUD_TRANSPORT_URI_UDP, "device.local", 1, NULL, NULL,
     "udp:device.local:1"},
    {"udp:my-board-2:65535", DFUD_TRANSPORT_URI_UDP, "my-board-2", 65535, NULL, NULL,
     "udp:my-board-2:65535"},
    {"udp:Gateway.Example.ORG", DFUD_TRANSPORT_URI_UDP, "gateway.example.org", 1337, NULL, NULL,
     "udp:gateway.example.org:1337"},
    {"udp:3com.example:7", DFUD_TRANSPORT_URI_UDP, "3com.example", 7, NULL, NULL,
     "udp:3com.example:7"},
    {"udp:1.2.3.4a", DFUD_TRANSPORT_URI_UDP, "1.2.3.4a", 1337, NULL, NULL, "udp:1.2.3.4a:1337"},
    {"udp:x", DFUD_TRANSPORT_URI_UDP, "x", 1337, NULL, NULL, "udp:x:1337"},
    /* IPv6: GLib's form, a zone for link-local ones */
    {"udp:[::1]:1337", DFUD_TRANSPORT_URI_UDP, "::1", 1337, NULL, NULL, "udp:[::1]:1337"},
    {"udp:[2001:db8::42]:9000", DFUD_TRANSPORT_URI_UDP, "2001:db8::42", 9000, NULL, NULL,
     "udp:[2001:db8::42]:9000"},
    {"udp:[2001:DB8:0:0:0:0:0:42]", DFUD_TRANSPORT_URI_UDP, "2001:db8::42", 1337, NULL, NULL,
     "udp:[2001:db8::42]:1337"},
    {"udp:[fe80::1%eth0]", DFUD_TRANSPORT_URI_UDP, "fe80::1%eth0", 1337, NULL, NULL,
     "udp:[fe80::1%eth0]:1337"},
    {"udp:[fe80::1%3]:5", DFUD_TRANSPORT_URI_UDP, "fe80::1%3", 5, NULL, NULL, "udp:[fe80::1%3]:5"},
    {"udp:[::ffff:192.0.2.1]:7", DFUD_TRANSPORT_URI_UDP, "::ffff:192.0.2.1", 7, NULL, NULL,
     "udp:[::ffff:192.0.2.1]:7"},
    /* att-mtu=N: behind a BLE link; mtu=N: the IP MTU of the path; both, in any order */
    {"udp:127.0.0.1:1337?att-mtu=247", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1337, NULL, NULL,
     "udp:127.0.0.1:1337?att-mtu=247", 247},
    {"udp:sim?att-mtu=23", DFUD_TRANSPORT_URI_UDP, "sim", 1337, NULL, NULL,
     "udp:sim:1337?att-mtu=23", 23},
    {"udp:[::1]:9?att-mtu=517", DFUD_TRANSPORT_URI_UDP, "::1", 9, NULL, NULL,
     "udp:[::1]:9?att-mtu=517", 517},
    {"udp:127.0.0.1:1337?mtu=256", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1337, NULL, NULL,
     "udp:127.0.0.1:1337?mtu=256", 0, 256},
    {"udp:10.1.1.1?mtu=65535", DFUD_TRANSPORT_URI_UDP, "10.1.1.1", 1337, NULL, NULL,
     "udp:10.1.1.1:1337?mtu=65535", 0, 65535},
    {"udp:[2001:db8::1]:5?mtu=1280", DFUD_TRANSPORT_URI_UDP, "2001:db8::1", 5, NULL, NULL,
     "udp:[2001:db8::1]:5?mtu=1280", 0, 1280},
    {"udp:name:5?mtu=576", DFUD_TRANSPORT_URI_UDP, "name", 5, NULL, NULL, "udp:name:5?mtu=576", 0,
     576},
    {"udp:127.0.0.1:1?mtu=1280&att-mtu=247", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1, NULL, NULL,
     "udp:127.0.0.1:1?mtu=1280&att-mtu=247", 247, 1280},
    {"udp:127.0.0.1:1?att-mtu=247&mtu=1280", DFUD_TRANSPORT_URI_UDP, "127.0.0.1", 1, NULL, NULL,
     "udp:127.0.0.1:1?mtu=1280&att-mtu=247", 247, 1280},
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

/* each with a word its error message must contain: it says what is wrong */
typedef struct {
	const gchar *uri;
	const gchar *says;
} BadCase;

static const BadCase invalid_cases[] = {
    {"", "empty"},
    {"udp:", "no host"},
    {"udp::1337", "no host"},
    {"udp:127.0.0.1:", "port"},
    {"udp:127.0.0.1:0", "port"},
    {"udp:127.0.0.1:65536", "port"},
    {"udp:127.0.0.1:99999999999", "port"},
    {"udp:127.0.0.1:13a7", "port"},
    {"udp:127.0.0.1:-1", "port"},
    {"udp:127.0.0.1:+80", "port"},
    /* dotted decimal that no IPv4 address is: never a host name */
    {"udp:999.1.1.1:5", "not an IPv4 address"},
    {"udp:256.0.0.1", "not an IPv4 address"},
    {"udp:1.2.3", "not an IPv4 address"},
    {"udp:1.2.3.4.5", "not an IPv4 address"},
    {"udp:01.2.3.4", "not an IPv4 address"},
    {"udp:1.2.3.0400", "not an IPv4 address"},
    {"udp:1337", "not an IPv4 address"},
    {"udp:device.42", "not an IPv4 address"},
    {"udp:0x7f.1", "not an IPv4 address"},
    {"udp:0.0.0.0:1", "cannot be a device"},
    {"udp:255.255.255.255:1", "cannot be a device"},
    {"udp:224.0.0.1:1", "cannot be a device"},
    /* host names: RFC 1123 */
    {"udp:host name:1337", "not a host name"},
    {"udp:host/path:1337", "not a host name"},
    {"udp:.leading:1337", "empty label"},
    {"udp:trailing.:1337", "empty label"},
    {"udp:a..b:1337", "empty label"},
    {"udp:user@host:1337", "not a host name"},
    {"udp:my_board:1337", "not a host name"},
    {"udp:-dash.example", "starts with '-'"},
    {"udp:dash-.example", "ends with '-'"},
    {"udp:b\xc3\xa4r.example", "not a host name"},
    /* IPv6 */
    {"udp:::1:1337", "brackets"},
    {"udp:[::1", "missing ']'"},
    {"udp:[::1]x", "after ']'"},
    {"udp:[::1]:", "port"},
    {"udp:[::1]:0", "port"},
    {"udp:[127.0.0.1]:1337", "not an IPv6 address"},
    {"udp:[not-an-address]:1337", "not an IPv6 address"},
    {"udp:[]:1337", "not an IPv6 address"},
    {"udp:[1:2:3:4:5:6:7:8:9]", "not an IPv6 address"},
    {"udp:[::]:1", "cannot be a device"},
    {"udp:[ff02::1%eth0]:1", "cannot be a device"},
    {"udp:[fe80::1]", "needs its interface"},
    {"udp:[fe80::1%]", "not a zone"},
    {"udp:[fe80::1%eth0/1]", "not a zone"},
    {"udp:[fe80::1%a-name-far-too-long]", "not a zone"},
    {"udp:[2001:db8::1%eth0]", "link-local addresses only"},
    /* options */
    {"udp:127.0.0.1:1337?", "not an option"},
    {"udp:127.0.0.1:1337?att-mtu=", "not an option"},
    {"udp:127.0.0.1:1337?att-mtu=22", "not an ATT MTU"},
    {"udp:127.0.0.1:1337?att-mtu=518", "not an ATT MTU"},
    {"udp:127.0.0.1:1337?att-mtu=247x", "not an ATT MTU"},
    {"udp:127.0.0.1:1337?att-mtu=-1", "not an ATT MTU"},
    {"udp:127.0.0.1:1337?att-mtu=+247", "not an ATT MTU"},
    {"udp:127.0.0.1:1337?mtu=255", "not an IP MTU"},
    {"udp:127.0.0.1:1337?mtu=247", "not an IP MTU"},
    {"udp:127.0.0.1:1337?mtu=65536", "not an IP MTU"},
    {"udp:127.0.0.1:1337?mtu=1500x", "not an IP MTU"},
    {"udp:127.0.0.1:1337?mtu= 1500", "not an IP MTU"},
    {"udp:[::1]:1337?mtu=1279", "at least 1280"},
    {"udp:127.0.0.1:1337?mtu=1500&mtu=1400", "twice"},
    {"udp:127.0.0.1:1337?att-mtu=247&att-mtu=23", "twice"},
    {"udp:127.0.0.1:1337?mtu=1500&", "not an option"},
    {"udp:127.0.0.1:1337?mtu=1500;att-mtu=23", "not an IP MTU"},
    {"udp:127.0.0.1:1337?adapter=hci0", "unknown option"},
    {"udp:127.0.0.1:1337?MTU=1500", "unknown option"},
    {"udp:127.0.0.1:1337?=5", "not an option"},
    {"udp:127.0.0.1?mtu=1500:1337", "not an IP MTU"},
    /* schemes */
    {"tcp:127.0.0.1:1337", "unknown scheme \"tcp:\""},
    {"UDP:127.0.0.1:1337", "unknown scheme \"UDP:\""},
    {"coap+udp:host:5683", "unknown scheme"},
    {" udp:127.0.0.1:1337", "not understood"},
    {"127.0.0.1:1337", "not understood"},
    {"localhost", "not understood"},
    /* BLE */
    {"ble:", "not a Bluetooth address"},
    {"ble:AA:BB:CC:DD:EE", "not a Bluetooth address"},
    {"ble:AA:BB:CC:DD:EE:FF:00", "not a Bluetooth address"},
    {"ble:AA:BB:CC:DD:EE:FG", "not a Bluetooth address"},
    {"ble:AABBCCDDEEFF", "not a Bluetooth address"},
    {"ble:AA-BB-CC-DD-EE-FF", "not a Bluetooth address"},
    {"ble:A:BB:CC:DD:EE:FFF", "not a Bluetooth address"},
    {"ble:AA:BB:CC:DD:EE:FF ", "not a Bluetooth address"},
    {"ble:00:00:00:00:00:00", "cannot be a device"},
    {"ble:ff:ff:ff:ff:ff:ff", "cannot be a device"},
    {"ble:AA:BB:CC:DD:EE:FF?", "not an option"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=", "not an option"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hci", "not an adapter"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hciX", "not an adapter"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=eth0", "not an adapter"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hci123456", "not an adapter"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hci0&x=1", "unknown option"},
    {"ble:AA:BB:CC:DD:EE:FF?adapter=hci0&adapter=hci1", "twice"},
    {"ble:AA:BB:CC:DD:EE:FF?name=x", "unknown option"},
    {"ble:AA:BB:CC:DD:EE:FF?mtu=1500", "unknown option"},
    {"AA:BB:CC:DD:EE", "not a Bluetooth address"},
    {"AA:BB:CC:DD:EE:FF:", "not a Bluetooth address"},
    {"ble:/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", "not a Bluetooth address"},
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
		g_assert_cmpuint(uri->ip_mtu, ==, c->ip_mtu);
		canonical = dfud_transport_uri_to_string(uri);
		g_assert_cmpstr(canonical, ==, c->canonical);
		/* the canonical form reads back as itself */
		{
			g_autoptr(DfudTransportUri) again =
			    dfud_transport_uri_parse(canonical, &error);
			g_autofree gchar *twice = NULL;

			g_assert_no_error(error);
			twice = dfud_transport_uri_to_string(again);
			g_assert_cmpstr(twice, ==, canonical);
		}
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
		const BadCase *c = &invalid_cases[i];
		g_autoptr(DfudTransportUri) uri = NULL;

		g_test_message("\"%s\"", c->uri);
		uri = dfud_transport_uri_parse(c->uri, &error);
		g_assert_null(uri);
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
		g_assert_cmpstr(dfud_error_name(error), ==, "InvalidArgument");
		g_test_message("  %s", error->message);
		if (strstr(error->message, c->says) == NULL)
			g_error("\"%s\": the message \"%s\" does not say \"%s\"", c->uri,
				error->message, c->says);
		g_clear_error(&error);
		g_assert_null(dfud_transport_new_for_uri(c->uri, &error));
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

/* the factory: UDP transports carry their canonical URI and, until open, IPv4's UDP limits
 * (1500 - 28: one IP packet of an Ethernet path) */
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
	g_assert_cmpuint(dfud_transport_get_max_packet(v4), ==, 1472);
	g_assert_cmpuint(dfud_transport_get_fragment_size(v4), ==, 1472);
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

/* ?att-mtu=N: packets sized as for a BLE link of that ATT MTU (fragments of N - 3, reassembly) */
static void
test_uri_new_udp_att_mtu(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) t =
	    dfud_transport_new_for_uri("udp:127.0.0.1:4242?att-mtu=247", &error);

	g_assert_no_error(error);
	g_assert_true(DFUD_IS_TRANSPORT_UDP(t));
	g_assert_cmpstr(dfud_transport_get_uri(t), ==, "udp:127.0.0.1:4242?att-mtu=247");
	g_assert_cmpuint(dfud_transport_get_mtu(t), ==, 247);
	g_assert_cmpuint(dfud_transport_get_fragment_size(t), ==, 244);
	g_assert_cmpuint(dfud_transport_get_max_packet(t), >, 4096);
}

/* ?mtu=N reaches the transport, whose URI keeps it */
static void
test_uri_new_udp_ip_mtu(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransport) t =
	    dfud_transport_new_for_uri("udp:127.0.0.1:4242?att-mtu=247&mtu=576", &error);

	g_assert_no_error(error);
	g_assert_true(DFUD_IS_TRANSPORT_UDP(t));
	g_assert_cmpstr(dfud_transport_get_uri(t), ==, "udp:127.0.0.1:4242?mtu=576&att-mtu=247");
	g_assert_cmpuint(dfud_transport_get_mtu(t), ==, 247);
}

/* RFC 1123's limits: 63 characters a label, 253 in all */
static void
test_uri_name_lengths(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *label63 = g_strnfill(63, 'a');
	g_autofree gchar *label64 = g_strnfill(64, 'a');
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	g_autofree gchar *label61 = g_strnfill(61, 'c');
	g_autofree gchar *name253 =
	    g_strdup_printf("udp:%s.%s.%s.%s:1", label63, label63, label63, label61);
	g_autofree gchar *name254 =
	    g_strdup_printf("udp:%s.%s.%s.%sc:1", label63, label63, label63, label61);
	g_autofree gchar *long_label = g_strdup_printf("udp:%s.example:1", label64);
	g_autoptr(DfudTransportUri) ok = dfud_transport_uri_parse(name253, &error);
	g_autoptr(DfudTransportUri) too_long = NULL;
	g_autoptr(DfudTransportUri) bad_label = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(strlen(ok->host), ==, 253);
	too_long = dfud_transport_uri_parse(name254, &error);
	g_assert_null(too_long);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "longer than 253"));
	g_clear_error(&error);
	bad_label = dfud_transport_uri_parse(long_label, &error);
	g_assert_null(bad_label);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "longer than 63"));
}

/* which URIs name their host by name, to be resolved */
static void
test_uri_host_name(void)
{
	static const struct {
		const gchar *uri;
		gboolean name;
	} cases[] = {
	    {"udp:127.0.0.1:1", FALSE},	      {"udp:[::1]:1", FALSE},
	    {"udp:[fe80::1%eth0]:1", FALSE},  {"udp:localhost:1", TRUE},
	    {"udp:a.example?mtu=1280", TRUE}, {"ble:AA:BB:CC:DD:EE:FF", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(cases[i].uri, &error);

		g_assert_no_error(error);
		g_assert_cmpint(dfud_transport_uri_has_host_name(uri), ==, cases[i].name);
	}
}

/* ---- resolving: a resolver of our own, no network ---- */

/* known.test resolves, silent.test never answers (until cancelled), anything else is unknown */
#define FAKE_TYPE_RESOLVER (fake_resolver_get_type())
G_DECLARE_FINAL_TYPE(FakeResolver, fake_resolver, FAKE, RESOLVER, GResolver)

struct _FakeResolver {
	GResolver parent_instance;
	guint lookups;
};

G_DEFINE_TYPE(FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static void
fake_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = user_data;

	g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
	g_object_unref(task);
}

static void
fake_lookup_by_name_async(GResolver *resolver, const gchar *hostname, GCancellable *cancellable,
			  GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(resolver, cancellable, callback, user_data);

	FAKE_RESOLVER(resolver)->lookups++;
	g_task_set_check_cancellable(task, FALSE);
	if (g_str_equal(hostname, "known.test")) {
		GList *list = g_list_append(NULL, g_inet_address_new_from_string("192.0.2.1"));

		g_task_return_pointer(task, list, (GDestroyNotify)g_resolver_free_addresses);
		g_object_unref(task);
	} else if (g_str_equal(hostname, "silent.test")) {
		g_assert_nonnull(cancellable);
		/* the task is returned (once) when the lookup is cancelled */
		g_cancellable_connect(cancellable, G_CALLBACK(fake_cancelled_cb), task, NULL);
	} else {
		g_task_return_new_error(task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
					"Name or service not known");
		g_object_unref(task);
	}
}

static GList *
fake_lookup_by_name_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
	return g_task_propagate_pointer(G_TASK(result), error);
}

static void
fake_resolver_class_init(FakeResolverClass *klass)
{
	GResolverClass *resolver_class = G_RESOLVER_CLASS(klass);

	resolver_class->lookup_by_name_async = fake_lookup_by_name_async;
	resolver_class->lookup_by_name_finish = fake_lookup_by_name_finish;
}

static void
fake_resolver_init(FakeResolver *self)
{
}

typedef struct {
	gboolean done;
	GList *addresses;
	GError *error;
} ResolveWait;

static void
resolve_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ResolveWait *wait = user_data;

	wait->addresses = dfud_transport_uri_resolve_finish(res, &wait->error);
	wait->done = TRUE;
}

/*
 * resolves @text with the fake resolver; returns the error (NULL: resolved, then the first
 * address in @first when not NULL), the lookups made and the seconds it took
 */
static GError *
resolve_full(const gchar *text, GCancellable *cancel, gchar **first, guint *lookups,
	     gdouble *seconds)
{
	g_autoptr(FakeResolver) fake = g_object_new(FAKE_TYPE_RESOLVER, NULL);
	g_autoptr(GResolver) previous = g_resolver_get_default();
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudTransportUri) uri = dfud_transport_uri_parse(text, &error);
	ResolveWait wait = {0};
	gint64 start = g_get_monotonic_time();

	g_assert_no_error(error);
	g_resolver_set_default(G_RESOLVER(fake));
	dfud_transport_uri_resolve_async(uri, cancel, resolve_done_cb, &wait);
	/* bounded: the resolve has its own 15 s limit */
	while (!wait.done && g_get_monotonic_time() - start < 30 * G_USEC_PER_SEC)
		g_main_context_iteration(NULL, TRUE);
	g_resolver_set_default(previous);
	g_assert_true(wait.done);
	g_assert_cmpint(wait.addresses != NULL, ==, wait.error == NULL);
	if (first != NULL)
		*first =
		    wait.addresses != NULL ? g_inet_address_to_string(wait.addresses->data) : NULL;
	g_resolver_free_addresses(wait.addresses);
	if (lookups != NULL)
		*lookups = fake->lookups;
	if (seconds != NULL)
		*seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	return wait.error;
}

static GError *
resolve(const gchar *text, GCancellable *cancel, guint *lookups, gdouble *seconds)
{
	return resolve_full(text, cancel, NULL, lookups, seconds);
}

/* @text resolves to @address; with @lookups resolver lookups */
static void
assert_resolves(const gchar *text, const gchar *address, guint lookups)
{
	g_autofree gchar *first = NULL;
	guint made = 0;

	g_assert_no_error(resolve_full(text, NULL, &first, &made, NULL));
	g_assert_cmpstr(first, ==, address);
	g_assert_cmpuint(made, ==, lookups);
}

static void
test_uri_resolve(void)
{
	g_autoptr(GError) error = NULL;
	guint lookups = 0;

	/* addresses are themselves, without a lookup */
	assert_resolves("udp:192.0.2.7:1", "192.0.2.7", 0);
	assert_resolves("udp:[fe80::1%lo]:1", "fe80::1", 0);
	/* a name that resolves */
	assert_resolves("udp:known.test:1?mtu=1280", "192.0.2.1", 1);
	/* a BLE URI has no host */
	error = resolve("ble:AA:BB:CC:DD:EE:FF", NULL, &lookups, NULL);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(lookups, ==, 0);
	g_clear_error(&error);
	/* one that does not: NotFound naming it */
	error = resolve("udp:missing.test:1", NULL, &lookups, NULL);
	g_assert_cmpuint(lookups, ==, 1);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
	g_assert_cmpstr(dfud_error_name(error), ==, "NotFound");
	g_assert_nonnull(strstr(error->message, "\"missing.test\" does not resolve"));
}

static gboolean
cancel_cb(gpointer user_data)
{
	g_cancellable_cancel(user_data);
	return G_SOURCE_REMOVE;
}

/* the caller's cancellable stops the lookup */
static void
test_uri_resolve_cancelled(void)
{
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	gdouble seconds = 0;

	g_timeout_add(100, cancel_cb, cancel);
	error = resolve("udp:silent.test:1", cancel, NULL, &seconds);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_CANCELLED);
	g_assert_cmpfloat(seconds, <, 10);
}

/* a resolver that never answers: NotFound after DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS */
static void
test_uri_resolve_timeout(void)
{
	g_autoptr(GError) error = NULL;
	gdouble seconds = 0;

	error = resolve("udp:silent.test:1", NULL, NULL, &seconds);
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "did not resolve within 15000 ms"));
	g_assert_cmpfloat(seconds, >=, DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS / 1000.0 - 0.5);
	g_assert_cmpfloat(seconds, <, DFUD_TRANSPORT_UDP_RESOLVE_TIMEOUT_MS / 1000.0 + 10);
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
	g_test_add_func("/transport/uri/new-udp-ip-mtu", test_uri_new_udp_ip_mtu);
	g_test_add_func("/transport/uri/name-lengths", test_uri_name_lengths);
	g_test_add_func("/transport/uri/host-name", test_uri_host_name);
	g_test_add_func("/transport/uri/resolve", test_uri_resolve);
	g_test_add_func("/transport/uri/resolve-cancelled", test_uri_resolve_cancelled);
	g_test_add_func("/transport/uri/resolve-timeout", test_uri_resolve_timeout);
	return g_test_run();
}
