/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud.conf: defaults, every key with its range, wrong types, unknown names and key files
 * (the package check is in test-config-check.c).
 */
#define G_LOG_DOMAIN "DfudTestConfig"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "dd-config.h"
#include "dfud-error.h"
#include "package/dfud-package-entry.h"
#include "package/dfud-package.h"

static gchar *
data_path(const gchar *name)
{
	return g_build_filename(TEST_DATA_DIR, name, NULL);
}

static DdConfig *
config_from(const gchar *text, GError **error)
{
	g_autoptr(DdConfig) config = dd_config_new();

	if (!dd_config_load_data(config, text, strlen(text), error))
		return NULL;
	return g_steal_pointer(&config);
}

static DdConfig *
config_ok(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	DdConfig *config = config_from(text, &error);

	g_assert_no_error(error);
	g_assert_nonnull(config);
	return config;
}

/* the load must fail with @code and a message starting with @prefix */
static void
config_fails(const gchar *text, gint code, const gchar *prefix)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DdConfig) config = config_from(text, &error);

	g_assert_null(config);
	g_assert_error(error, DFUD_ERROR, code);
	g_test_message("%s", error->message);
	if (!g_str_has_prefix(error->message, prefix))
		g_error("for %s: message “%s” does not start with “%s”", text, error->message,
			prefix);
	g_assert_true(g_utf8_validate(error->message, -1, NULL));
}

static void
test_defaults(void)
{
	g_autoptr(DdConfig) config = dd_config_new();
	DfudUpdateOptions defaults;
	DfudUpdateOptions options;

	dfud_update_options_init(&defaults);
	g_assert_cmpuint(config->max_connections, ==, 8);
	g_assert_cmpuint(config->max_connections_per_adapter, ==, 4);
	g_assert_cmpuint(config->job_linger_s, ==, 300);
	g_assert_cmpuint(config->max_firmware_size, ==, 67108864);
	g_assert_cmpuint(config->max_read_memory, ==, 2 * 67108864);
	g_assert_cmpuint(config->firmware_read_timeout_ms, ==, 10000);
	g_assert_cmpuint(config->history_size, ==, 10000);
	g_assert_null(config->adapters);
	g_assert_cmpint(config->passkey, ==, -1);
	g_assert_cmpuint(config->connect_timeout_ms, ==, 60000);
	g_assert_cmpuint(config->first_chunk_timeout_ms, ==, 60000);
	g_assert_cmpuint(config->chunk_timeout_ms, ==, 2500);
	g_assert_cmpuint(config->last_chunk_timeout_ms, ==, 20000);
	g_assert_cmpuint(config->command_timeout_ms, ==, 5000);
	g_assert_cmpuint(config->reset_timeout_ms, ==, 300000);
	g_assert_nonnull(config->trusted_keys);
	g_assert_cmpuint(config->trusted_keys->len, ==, 0);
	g_assert_false(config->require_signed);
	g_assert_true(dd_config_adapter_allowed(config, "hci0"));
	g_assert_true(dd_config_adapter_allowed(config, "/org/bluez/hci7"));

	/* the defaults are the engine's own */
	dfud_update_options_init(&options);
	options.connect_timeout_ms = options.chunk_timeout_ms = 1;
	dd_config_apply_timeouts(config, &options);
	g_assert_cmpmem(&options, sizeof(options), &defaults, sizeof(defaults));

	/* an empty file, or only comments, changes nothing */
	dd_config_free(config_ok(""));
	{
		g_autoptr(DdConfig) empty =
		    config_ok("# nothing\n\n[Daemon]\n# MaxConnections=3\n");

		g_assert_cmpuint(empty->max_connections, ==, 8);
	}
}

static void
test_every_key(void)
{
	g_autofree gchar *p256 = data_path("key-ecdsa-p256.pem");
	g_autofree gchar *ed = data_path("key-ed25519.pem");
	g_autofree gchar *text = g_strdup_printf("[Daemon]\n"
						 "MaxConnections=16\n"
						 "MaxConnectionsPerAdapter=2\n"
						 "JobLinger=0\n"
						 "MaxFirmwareSize=1073741824\n"
						 "HistorySize=10\n"
						 "[Bluetooth]\n"
						 "Adapters=hci1;hci2\n"
						 "Passkey=012345\n"
						 "[Timeouts]\n"
						 "Connect=30\n"
						 "FirstChunk=90\n"
						 "Chunk=2.25\n"
						 "LastChunk=0.1\n"
						 "Command=3600\n"
						 "Reset=120.5\n"
						 "[Security]\n"
						 "TrustedKeys=%s;%s\n"
						 "RequireSigned=true\n",
						 p256, ed);
	g_autoptr(DdConfig) config = config_ok(text);
	DfudUpdateOptions options;

	g_assert_cmpuint(config->max_connections, ==, 16);
	g_assert_cmpuint(config->max_connections_per_adapter, ==, 2);
	g_assert_cmpuint(config->job_linger_s, ==, 0);
	g_assert_cmpuint(config->max_firmware_size, ==, G_GUINT64_CONSTANT(1073741824));
	g_assert_cmpuint(config->history_size, ==, 10);
	g_assert_cmpuint(g_strv_length(config->adapters), ==, 2);
	g_assert_cmpstr(config->adapters[0], ==, "hci1");
	g_assert_cmpstr(config->adapters[1], ==, "hci2");
	g_assert_cmpint(config->passkey, ==, 12345);
	g_assert_cmpuint(config->connect_timeout_ms, ==, 30000);
	g_assert_cmpuint(config->first_chunk_timeout_ms, ==, 90000);
	g_assert_cmpuint(config->chunk_timeout_ms, ==, 2250);
	g_assert_cmpuint(config->last_chunk_timeout_ms, ==, 100);
	g_assert_cmpuint(config->command_timeout_ms, ==, 3600000);
	g_assert_cmpuint(config->reset_timeout_ms, ==, 120500);
	g_assert_cmpuint(config->trusted_keys->len, ==, 2);
	g_assert_cmpint(dfud_public_key_get_key_type(config->trusted_keys->pdata[0]), ==,
			DFUD_PUBLIC_KEY_ECDSA_P256);
	g_assert_cmpint(dfud_public_key_get_key_type(config->trusted_keys->pdata[1]), ==,
			DFUD_PUBLIC_KEY_ED25519);
	g_assert_true(config->require_signed);

	dfud_update_options_init(&options);
	dd_config_apply_timeouts(config, &options);
	g_assert_cmpuint(options.connect_timeout_ms, ==, 30000);
	g_assert_cmpuint(options.first_chunk_timeout_ms, ==, 90000);
	g_assert_cmpuint(options.chunk_timeout_ms, ==, 2250);
	g_assert_cmpuint(options.last_chunk_timeout_ms, ==, 100);
	g_assert_cmpuint(options.command_timeout_ms, ==, 3600000);
	g_assert_cmpuint(options.reset_timeout_ms, ==, 120500);
	/* the rest of the options are not the configuration's business */
	g_assert_cmpuint(options.chunk_retries, ==, 5);
	g_assert_cmpint(options.image, ==, -1);
}

typedef struct {
	const gchar *group;
	const gchar *key;
	guint64 min;
	guint64 max;
	gsize offset;
	gboolean wide;
} UintCase;

static const UintCase uint_cases[] = {
    {"Daemon", "MaxConnections", 1, 64, G_STRUCT_OFFSET(DdConfig, max_connections), FALSE},
    {"Daemon", "MaxConnectionsPerAdapter", 1, 32,
     G_STRUCT_OFFSET(DdConfig, max_connections_per_adapter), FALSE},
    {"Daemon", "JobLinger", 0, 86400, G_STRUCT_OFFSET(DdConfig, job_linger_s), FALSE},
    {"Daemon", "MaxFirmwareSize", 1024, 1073741824, G_STRUCT_OFFSET(DdConfig, max_firmware_size),
     TRUE},
    {"Daemon", "HistorySize", 10, 1000000, G_STRUCT_OFFSET(DdConfig, history_size), FALSE},
    {"Timeouts", "MinRate", 1, 104857600, G_STRUCT_OFFSET(DdConfig, min_rate), FALSE},
};

static guint64
uint_value(DdConfig *config, const UintCase *c)
{
	if (c->wide)
		return G_STRUCT_MEMBER(guint64, config, c->offset);
	return G_STRUCT_MEMBER(guint, config, c->offset);
}

static void
test_uint_ranges(void)
{
	static const gchar *const junk[] = {
	    "", "abc", "-1", "+5", "5x", "1e3", "0x10", "99999999999999999999999", "1.5", "５"};

	for (guint i = 0; i < G_N_ELEMENTS(uint_cases); i++) {
		const UintCase *c = &uint_cases[i];
		guint64 good[] = {c->min, c->max, (c->min + c->max) / 2};

		for (guint j = 0; j < G_N_ELEMENTS(good); j++) {
			g_autofree gchar *text = g_strdup_printf("[%s]\n%s=%" G_GUINT64_FORMAT "\n",
								 c->group, c->key, good[j]);
			g_autoptr(DdConfig) config = config_ok(text);

			g_assert_cmpuint(uint_value(config, c), ==, good[j]);
		}
		/* one past each end */
		for (guint j = 0; j < 2; j++) {
			guint64 bad = j == 0 ? c->min - 1 : c->max + 1;
			g_autofree gchar *text = NULL;
			g_autofree gchar *prefix = NULL;

			if (j == 0 && c->min == 0)
				continue;
			text = g_strdup_printf("[%s]\n%s=%" G_GUINT64_FORMAT "\n", c->group, c->key,
					       bad);
			prefix = g_strdup_printf("dfud.conf: [%s] %s=%" G_GUINT64_FORMAT
						 ": out of range",
						 c->group, c->key, bad);
			config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
		}
		for (guint j = 0; j < G_N_ELEMENTS(junk); j++) {
			g_autofree gchar *text =
			    g_strdup_printf("[%s]\n%s=%s\n", c->group, c->key, junk[j]);
			g_autofree gchar *prefix =
			    g_strdup_printf("dfud.conf: [%s] %s=", c->group, c->key);

			config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
		}
	}
}

static void
test_timeouts(void)
{
	static const struct {
		const gchar *key;
		gsize offset;
	} keys[] = {
	    {"Connect", G_STRUCT_OFFSET(DdConfig, connect_timeout_ms)},
	    {"FirstChunk", G_STRUCT_OFFSET(DdConfig, first_chunk_timeout_ms)},
	    {"Chunk", G_STRUCT_OFFSET(DdConfig, chunk_timeout_ms)},
	    {"LastChunk", G_STRUCT_OFFSET(DdConfig, last_chunk_timeout_ms)},
	    {"Command", G_STRUCT_OFFSET(DdConfig, command_timeout_ms)},
	    {"Reset", G_STRUCT_OFFSET(DdConfig, reset_timeout_ms)},
	    {"ResetGrace", G_STRUCT_OFFSET(DdConfig, reset_grace_ms)},
	    {"FirmwareRead", G_STRUCT_OFFSET(DdConfig, firmware_read_timeout_ms)},
	};
	static const struct {
		const gchar *value;
		guint ms;
	} good[] = {
	    {"0.1", 100}, {"1", 1000}, {"2.5", 2500}, {"3600", 3600000}, {"0.0015e3", 1500}};
	static const gchar *const bad[] = {"0",	  "0.09", "3600.1", "-1",  "nan", "inf",
					   "abc", "",	  "1,5",    "1 s", "1e9"};

	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		for (guint j = 0; j < G_N_ELEMENTS(good); j++) {
			g_autofree gchar *text =
			    g_strdup_printf("[Timeouts]\n%s=%s\n", keys[i].key, good[j].value);
			g_autoptr(DdConfig) config = config_ok(text);

			g_assert_cmpuint(G_STRUCT_MEMBER(guint, config, keys[i].offset), ==,
					 good[j].ms);
		}
		for (guint j = 0; j < G_N_ELEMENTS(bad); j++) {
			g_autofree gchar *text =
			    g_strdup_printf("[Timeouts]\n%s=%s\n", keys[i].key, bad[j]);
			g_autofree gchar *prefix =
			    g_strdup_printf("dfud.conf: [Timeouts] %s=%s: ", keys[i].key, bad[j]);

			config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
		}
	}
}

/* MaxFirmwareReadMemory: twice MaxFirmwareSize unless given, never below it */
static void
test_read_memory(void)
{
	static const gchar *const junk[] = {"", "abc", "-1", "1e9", "0x10", "17179869185"};
	g_autoptr(DdConfig) follows = config_ok("[Daemon]\nMaxFirmwareSize=1048576\n");
	g_autoptr(DdConfig) given =
	    config_ok("[Daemon]\nMaxFirmwareSize=1048576\nMaxFirmwareReadMemory=1048576\n");
	g_autoptr(DdConfig) most = config_ok("[Daemon]\nMaxFirmwareReadMemory=17179869184\n");
	g_autoptr(DdConfig) small =
	    config_ok("[Daemon]\nMaxFirmwareSize=1024\nMaxFirmwareReadMemory=1024\n");

	g_assert_cmpuint(follows->max_read_memory, ==, 2 * 1048576);
	g_assert_cmpuint(given->max_read_memory, ==, 1048576);
	g_assert_cmpuint(most->max_read_memory, ==, G_GUINT64_CONSTANT(17179869184));
	g_assert_cmpuint(small->max_read_memory, ==, 1024);
	config_fails("[Daemon]\nMaxFirmwareReadMemory=67108863\n", DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Daemon] MaxFirmwareReadMemory=67108863: less than "
		     "MaxFirmwareSize (67108864)");
	config_fails("[Daemon]\nMaxFirmwareSize=2048\nMaxFirmwareReadMemory=2047\n",
		     DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Daemon] MaxFirmwareReadMemory=2047: ");
	config_fails("[Daemon]\nMaxFirmwareSize=1024\nMaxFirmwareReadMemory=1023\n",
		     DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Daemon] MaxFirmwareReadMemory=1023: out of range");
	for (guint i = 0; i < G_N_ELEMENTS(junk); i++) {
		g_autofree gchar *text =
		    g_strdup_printf("[Daemon]\nMaxFirmwareReadMemory=%s\n", junk[i]);

		config_fails(text, DFUD_ERROR_INVALID_ARGUMENT,
			     "dfud.conf: [Daemon] MaxFirmwareReadMemory=");
	}
}

static void
test_bluetooth(void)
{
	g_autoptr(DdConfig) config = config_ok("[Bluetooth]\nAdapters= hci0 ; ;hci_1;\n");
	g_autoptr(DdConfig) all = config_ok("[Bluetooth]\nAdapters=\nPasskey=\n");
	g_autoptr(DdConfig) passkey = NULL;
	static const gchar *const bad_adapters[] = {"hci/0", "../hci0", "hci0 hci1", "ä",
						    "hci0;x.y"};
	static const gchar *const bad_passkeys[] = {"1000000", "-1", "abc", "12 34", "0x10"};

	g_assert_cmpuint(g_strv_length(config->adapters), ==, 2);
	g_assert_true(dd_config_adapter_allowed(config, "hci0"));
	g_assert_true(dd_config_adapter_allowed(config, "hci_1"));
	g_assert_true(dd_config_adapter_allowed(config, "/org/bluez/hci0"));
	g_assert_false(dd_config_adapter_allowed(config, "hci2"));
	g_assert_false(dd_config_adapter_allowed(config, "/org/bluez/hci2"));
	g_assert_false(dd_config_adapter_allowed(config, ""));
	g_assert_false(dd_config_adapter_allowed(config, NULL));
	g_assert_false(dd_config_adapter_allowed(config, "hci"));

	/* an empty list is every adapter, an empty passkey none */
	g_assert_true(all->adapters == NULL || all->adapters[0] == NULL);
	g_assert_true(dd_config_adapter_allowed(all, "hci9"));
	g_assert_cmpint(all->passkey, ==, -1);

	passkey = config_ok("[Bluetooth]\nPasskey=999999\n");
	g_assert_cmpint(passkey->passkey, ==, 999999);
	dd_config_free(g_steal_pointer(&passkey));
	passkey = config_ok("[Bluetooth]\nPasskey=0\n");
	g_assert_cmpint(passkey->passkey, ==, 0);

	for (guint i = 0; i < G_N_ELEMENTS(bad_adapters); i++) {
		g_autofree gchar *text =
		    g_strdup_printf("[Bluetooth]\nAdapters=%s\n", bad_adapters[i]);
		g_autofree gchar *prefix =
		    g_strdup_printf("dfud.conf: [Bluetooth] Adapters=%s: ", bad_adapters[i]);

		config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_passkeys); i++) {
		g_autofree gchar *text =
		    g_strdup_printf("[Bluetooth]\nPasskey=%s\n", bad_passkeys[i]);
		g_autofree gchar *prefix =
		    g_strdup_printf("dfud.conf: [Bluetooth] Passkey=%s: ", bad_passkeys[i]);

		config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
	}
}

static void
test_require_signed(void)
{
	static const struct {
		const gchar *value;
		gboolean expect;
	} good[] = {{"true", TRUE}, {"false", FALSE}, {"1", TRUE}, {"0", FALSE}};
	static const gchar *const bad[] = {"yes", "", "TRUEISH", "2"};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autofree gchar *text =
		    g_strdup_printf("[Security]\nRequireSigned=%s\n", good[i].value);
		g_autoptr(DdConfig) config = config_ok(text);

		g_assert_cmpint(config->require_signed, ==, good[i].expect);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *text = g_strdup_printf("[Security]\nRequireSigned=%s\n", bad[i]);
		g_autofree gchar *prefix =
		    g_strdup_printf("dfud.conf: [Security] RequireSigned=%s: ", bad[i]);

		config_fails(text, DFUD_ERROR_INVALID_ARGUMENT, prefix);
	}
}

/* [Devices] Uris: any device URI, canonical; a bad one names itself */
static void
test_devices(void)
{
	g_autoptr(DdConfig) config =
	    config_ok("[Devices]\nUris=serial:/dev/serial/by-id/usb-ZEPHYR_x-if00 ; "
		      "udp:192.0.2.7;aa:bb:cc:dd:ee:ff;serial:/dev/ttyUSB0?mtu=512&baud=9600\n");
	g_autoptr(DdConfig) none = config_ok("[Devices]\nUris=\n");

	g_assert_cmpuint(g_strv_length(config->device_uris), ==, 4);
	g_assert_cmpstr(config->device_uris[0], ==,
			"serial:/dev/serial/by-id/usb-ZEPHYR_x-if00?baud=115200");
	g_assert_cmpstr(config->device_uris[1], ==, "udp:192.0.2.7:1337");
	g_assert_cmpstr(config->device_uris[2], ==, "ble:AA:BB:CC:DD:EE:FF");
	g_assert_cmpstr(config->device_uris[3], ==, "serial:/dev/ttyUSB0?baud=9600&mtu=512");
	g_assert_cmpuint(g_strv_length(none->device_uris), ==, 0);
	config_fails("[Devices]\nUris=serial:ttyACM0\n", DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Devices] Uris=");
	config_fails("[Devices]\nUris=serial:/dev/ttyS0?baud=7\n", DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Devices] Uris=");
}

static void
test_trusted_keys(void)
{
	g_autofree gchar *p256 = data_path("key-ecdsa-p256.pem");
	g_autofree gchar *rsa = data_path("key-rsa2048.pem");
	g_autofree gchar *spki = data_path("enc-pub-ecdsa-p256.pem");
	g_autofree gchar *not_a_key = data_path("hashonly_1k_v1.2.3+4.bin");
	g_autofree gchar *missing = data_path("no-such-key.pem");
	g_autofree gchar *text = NULL;
	g_autofree gchar *prefix = NULL;
	g_autoptr(DdConfig) config = NULL;

	text = g_strdup_printf("[Security]\nTrustedKeys= %s ;%s;%s;\n", p256, rsa, spki);
	config = config_ok(text);
	g_assert_cmpuint(config->trusted_keys->len, ==, 3);
	g_assert_cmpint(dfud_public_key_get_key_type(config->trusted_keys->pdata[1]), ==,
			DFUD_PUBLIC_KEY_RSA2048);
	dd_config_free(g_steal_pointer(&config));

	/* empty: no keys, nothing checked */
	config = config_ok("[Security]\nTrustedKeys=\n");
	g_assert_cmpuint(config->trusted_keys->len, ==, 0);
	g_clear_pointer(&text, g_free);

	/* a missing file, a file that is no key, a directory: errors naming the path */
	text = g_strdup_printf("[Security]\nTrustedKeys=%s;%s\n", p256, missing);
	config_fails(text, DFUD_ERROR_KEY_INVALID, "dfud.conf: [Security] TrustedKeys=");
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(DdConfig) none = config_from(text, &error);

		g_assert_null(none);
		g_assert_nonnull(strstr(error->message, "no-such-key.pem"));
	}
	g_clear_pointer(&text, g_free);
	text = g_strdup_printf("[Security]\nTrustedKeys=%s\n", not_a_key);
	config_fails(text, DFUD_ERROR_KEY_INVALID, "dfud.conf: [Security] TrustedKeys=");
	g_clear_pointer(&text, g_free);
	text = g_strdup_printf("[Security]\nTrustedKeys=%s\n", TEST_DATA_DIR);
	config_fails(text, DFUD_ERROR_KEY_INVALID, "dfud.conf: [Security] TrustedKeys=");
	config_fails(
	    "[Security]\nTrustedKeys=/dev/zero\n", DFUD_ERROR_KEY_INVALID,
	    "dfud.conf: [Security] TrustedKeys=/dev/zero: /dev/zero is not a regular file");

	/* with no file to be relative to, a relative path means nothing */
	prefix = g_strdup("dfud.conf: [Security] TrustedKeys=keys/a.pem: keys/a.pem: not an "
			  "absolute path");
	config_fails("[Security]\nTrustedKeys=keys/a.pem\n", DFUD_ERROR_INVALID_ARGUMENT, prefix);
}

/* a file on disk: relative key paths are relative to its directory, its name is in messages */
static void
test_load_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("dfud-test-config-XXXXXX", &error);
	g_autofree gchar *keys = NULL;
	g_autofree gchar *conf = NULL;
	g_autofree gchar *pem = NULL;
	g_autofree gchar *key_dst = NULL;
	g_autofree gchar *key_src = data_path("key-ed25519.pem");
	g_autoptr(DdConfig) config = dd_config_new();
	gsize pem_len = 0;

	g_assert_no_error(error);
	keys = g_build_filename(dir, "keys", NULL);
	g_assert_cmpint(g_mkdir(keys, 0700), ==, 0);
	key_dst = g_build_filename(keys, "a.pem", NULL);
	g_assert_true(g_file_get_contents(key_src, &pem, &pem_len, NULL));
	g_assert_true(g_file_set_contents(key_dst, pem, (gssize)pem_len, NULL));
	conf = g_build_filename(dir, "my.conf", NULL);

	/* missing: the defaults stay */
	g_assert_true(dd_config_load(config, conf, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(config->max_connections, ==, 8);

	g_assert_true(g_file_set_contents(
	    conf, "[Daemon]\nMaxConnections=3\n[Security]\nTrustedKeys=keys/a.pem\n", -1, NULL));
	g_assert_true(dd_config_load(config, conf, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(config->max_connections, ==, 3);
	g_assert_cmpuint(config->trusted_keys->len, ==, 1);

	/* a bad file leaves the configuration as it was, every key of it */
	g_assert_true(g_file_set_contents(
	    conf, "[Daemon]\nMaxConnections=5\nHistorySize=1\n[Security]\nTrustedKeys=\n", -1,
	    NULL));
	g_assert_false(dd_config_load(config, conf, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_true(g_str_has_prefix(error->message, "my.conf: [Daemon] HistorySize=1: "));
	g_clear_error(&error);
	g_assert_cmpuint(config->max_connections, ==, 3);
	g_assert_cmpuint(config->history_size, ==, 10000);
	g_assert_cmpuint(config->trusted_keys->len, ==, 1);

	/* a later good file changes only what it names */
	g_assert_true(g_file_set_contents(conf, "[Daemon]\nHistorySize=20\n", -1, NULL));
	g_assert_true(dd_config_load(config, conf, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(config->max_connections, ==, 3);
	g_assert_cmpuint(config->history_size, ==, 20);

	/* a directory is not a configuration file; neither is a device */
	g_assert_false(dd_config_load(config, dir, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	g_clear_error(&error);
	g_assert_false(dd_config_load(config, "/dev/zero", &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
	g_clear_error(&error);

	/* too big to be a configuration */
	{
		g_autofree gchar *big = g_strnfill(1024 * 1024 + 1, '#');

		g_assert_true(g_file_set_contents(conf, big, -1, NULL));
		g_assert_false(dd_config_load(config, conf, &error));
		g_assert_error(error, DFUD_ERROR, DFUD_ERROR_IO);
		g_clear_error(&error);
	}

	g_assert_cmpint(g_unlink(conf), ==, 0);
	g_assert_cmpint(g_unlink(key_dst), ==, 0);
	g_assert_cmpint(g_rmdir(keys), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void
test_unknown(void)
{
	g_autoptr(DdConfig) config = NULL;

	g_test_expect_message("DfudConfig", G_LOG_LEVEL_WARNING,
			      "dfud.conf: unknown group [Deamon] ignored");
	g_test_expect_message("DfudConfig", G_LOG_LEVEL_WARNING,
			      "dfud.conf: [Daemon] unknown key MaxConnection ignored");
	g_test_expect_message("DfudConfig", G_LOG_LEVEL_WARNING,
			      "dfud.conf: [Timeouts] unknown key Conect ignored");
	config = config_ok("[Deamon]\nMaxConnections=2\n"
			   "[Daemon]\nMaxConnection=2\nHistorySize=50\n"
			   "[Timeouts]\nConect=true\n");
	g_test_assert_expected_messages();
	g_assert_cmpuint(config->max_connections, ==, 8);
	g_assert_cmpuint(config->history_size, ==, 50);
	g_assert_false(config->require_signed);
}

static void
test_junk(void)
{
	static const gchar nul[] = "[Daemon]\nMaxConnections=2\0\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(DdConfig) config = dd_config_new();
	g_autoptr(GRand) rand = g_rand_new_with_seed(5);
	g_autofree gchar *big = g_strnfill(1024 * 1024 + 1, '#');
	g_autofree gchar *long_value = NULL;

	config_fails("not a key file", DFUD_ERROR_INVALID_ARGUMENT, "dfud.conf: ");
	config_fails("[Daemon\n", DFUD_ERROR_INVALID_ARGUMENT, "dfud.conf: ");
	config_fails("[Bluetooth]\nAdapters=\xff\xfe\n", DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: ");
	config_fails("[Daemon]\nMaxConnections=\x01\x02\n", DFUD_ERROR_INVALID_ARGUMENT,
		     "dfud.conf: [Daemon] MaxConnections=??: not a number");

	g_assert_false(dd_config_load_data(config, nul, sizeof(nul) - 1, &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(dd_config_load_data(config, big, strlen(big), &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* a long value is cut in the message */
	long_value = g_strdup_printf("[Daemon]\nHistorySize=%s\n", big + 1024 * 1000);
	g_assert_false(dd_config_load_data(config, long_value, strlen(long_value), &error));
	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(strlen(error->message), <, 200);
	g_clear_error(&error);

	/* random bytes and random edits of a good file: errors or not, but no crash */
	for (guint i = 0; i < 2000; i++) {
		gchar buf[256];
		gsize len = (gsize)g_rand_int_range(rand, 0, sizeof(buf));
		const gchar *alphabet = "[]=;#\n \\DaemonMaxConnectionsTimeouts0123456789.-\xff";

		for (gsize j = 0; j < len; j++) {
			if (g_rand_boolean(rand))
				buf[j] = (gchar)g_rand_int_range(rand, 1, 256);
			else
				buf[j] =
				    alphabet[g_rand_int_range(rand, 0, (gint32)strlen(alphabet))];
		}
		if (!dd_config_load_data(config, buf, len, &error)) {
			g_assert_true(error->domain == DFUD_ERROR);
			g_assert_true(g_utf8_validate(error->message, -1, NULL));
			g_clear_error(&error);
		}
	}
	/* whatever came through stays in range */
	g_assert_cmpuint(config->max_connections, >=, 1);
	g_assert_cmpuint(config->max_connections, <=, 64);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/daemon/config/defaults", test_defaults);
	g_test_add_func("/daemon/config/every-key", test_every_key);
	g_test_add_func("/daemon/config/uint-ranges", test_uint_ranges);
	g_test_add_func("/daemon/config/timeouts", test_timeouts);
	g_test_add_func("/daemon/config/read-memory", test_read_memory);
	g_test_add_func("/daemon/config/bluetooth", test_bluetooth);
	g_test_add_func("/daemon/config/require-signed", test_require_signed);
	g_test_add_func("/daemon/config/trusted-keys", test_trusted_keys);
	g_test_add_func("/daemon/config/devices", test_devices);
	g_test_add_func("/daemon/config/load-file", test_load_file);
	g_test_add_func("/daemon/config/unknown", test_unknown);
	g_test_add_func("/daemon/config/junk", test_junk);
	return g_test_run();
}
