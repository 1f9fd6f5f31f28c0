/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * dfud.conf: defaults, every key with its range, wrong types, unknown names, key files and the
 * package check against the signed fixtures of tests/data.
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

/* ---- the package check ---- */

static DfudImage *
load_image(const gchar *name)
{
	g_autofree gchar *path = data_path(name);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	gchar *contents = NULL;
	gsize len = 0;
	DfudImage *image;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	bytes = g_bytes_new_take(contents, len);
	image = dfud_image_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	return image;
}

/* the ECDSA image with one byte of its signature changed: the key matches, the signature not */
static DfudImage *
load_image_bad_signature(void)
{
	g_autoptr(DfudImage) good = load_image("ecdsa-p256_60k_v1.2.3+4.bin");
	GArray *tlvs = dfud_image_get_tlvs(good);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(dfud_image_get_bytes(good), &len);
	g_autofree guint8 *copy = g_memdup2(data, len);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;
	DfudImage *image;
	gboolean found = FALSE;

	for (guint i = 0; i < tlvs->len; i++) {
		const DfudImageTlv *tlv = &g_array_index(tlvs, DfudImageTlv, i);

		if (tlv->type == DFUD_IMAGE_TLV_ECDSA_SIG) {
			/* inside r, past the DER headers */
			copy[tlv->offset + 10] ^= 0x01;
			found = TRUE;
		}
	}
	g_assert_true(found);
	bytes = g_bytes_new_take(g_steal_pointer(&copy), len);
	image = dfud_image_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	return image;
}

static GPtrArray *
images_of(const gchar *first, ...)
{
	GPtrArray *images = g_ptr_array_new_with_free_func(g_object_unref);
	va_list args;

	va_start(args, first);
	for (const gchar *name = first; name != NULL; name = va_arg(args, const gchar *))
		g_ptr_array_add(images, load_image(name));
	va_end(args);
	return images;
}

static DdConfig *
config_with_keys(gboolean require_signed, const gchar *first_key, ...)
{
	DdConfig *config = dd_config_new();
	va_list args;

	config->require_signed = require_signed;
	va_start(args, first_key);
	for (const gchar *name = first_key; name != NULL; name = va_arg(args, const gchar *)) {
		g_autofree gchar *path = data_path(name);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *pem = NULL;
		gsize len = 0;
		g_autoptr(GBytes) bytes = NULL;
		DfudPublicKey *key;

		g_assert_true(g_file_get_contents(path, &pem, &len, NULL));
		bytes = g_bytes_new(pem, len);
		key = dfud_public_key_new_from_pem(bytes, &error);
		g_assert_no_error(error);
		g_ptr_array_add(config->trusted_keys, key);
	}
	va_end(args);
	return config;
}

/* @code 0: accepted; else refused with @code, the message naming @needle */
static void
check(DdConfig *config, GPtrArray *images, gint code, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = dd_config_check_package(config, images, &error);

	if (code == 0) {
		g_assert_no_error(error);
		g_assert_true(ok);
		return;
	}
	g_assert_false(ok);
	g_assert_error(error, DFUD_ERROR, code);
	g_test_message("%s", error->message);
	if (needle != NULL && strstr(error->message, needle) == NULL)
		g_error("message “%s” does not name “%s”", error->message, needle);
}

static void
test_check_no_policy(void)
{
	g_autoptr(DdConfig) config = dd_config_new();
	g_autoptr(GPtrArray) images =
	    images_of("hashonly_1k_v1.2.3+4.bin", "ecdsa-p256_60k_v1.2.3+4.bin",
		      "ed25519_60k_v2.0.0.bin", "enc-x25519-aes256-ed25519_4k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) empty = g_ptr_array_new();

	/* without keys and RequireSigned anything goes, even a signature no one can check */
	check(config, images, 0, NULL);
	g_ptr_array_add(images, load_image_bad_signature());
	check(config, images, 0, NULL);
	check(config, empty, 0, NULL);
}

static void
test_check_require_signed(void)
{
	g_autoptr(DdConfig) config = config_with_keys(TRUE, NULL);
	g_autoptr(GPtrArray) signed_images =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "rsa2048_60k_v1.2.3+4.bin",
		      "prottlv-mix-ed25519_4k_v0.9.1+77.bin", NULL);
	g_autoptr(GPtrArray) mixed =
	    images_of("ed25519_60k_v2.0.0.bin", "hashonly_60k_v2.0.0.bin", NULL);
	g_autoptr(GPtrArray) sha512 = images_of("hashonly-sha512_4k_v1.0.0.bin", NULL);

	/* with no keys to check against, a signature is enough */
	check(config, signed_images, 0, NULL);
	check(config, mixed, DFUD_ERROR_UNSIGNED, "image 1 (version 2.0.0)");
	check(config, sha512, DFUD_ERROR_UNSIGNED, "image 0 (version 1.0.0)");
}

static void
test_check_trusted_keys(void)
{
	g_autoptr(DdConfig) p256 = config_with_keys(FALSE, "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) two =
	    config_with_keys(FALSE, "key-ed25519.pem", "key-rsa2048.pem", NULL);
	g_autoptr(DdConfig) three = config_with_keys(FALSE, "key-rsa2048.pem", "key-ed25519.pem",
						     "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) wrong_p256 = config_with_keys(FALSE, "enc-pub-ecdsa-p256.pem", NULL);
	g_autoptr(GPtrArray) by_p256 =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "ecdsa-p256-fullpubkey_1k_v1.0.0.bin",
		      "padheader-ecdsa-p256_60k_v1.3.0.bin", "seccnt-dep-ecdsa-p256_60k_v2.0.0.bin",
		      "pad-confirm-ecdsa-p256_60k_slot0x20000_v1.2.3+4.bin",
		      "enc-ecies-p256-aes128-ecdsa-p256_60k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) by_ed = images_of("ed25519_60k_v2.0.0.bin", NULL);
	g_autoptr(GPtrArray) by_rsa = images_of("rsa2048_60k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) unsigned_second =
	    images_of("ecdsa-p256_60k_v1.2.3+4.bin", "hashonly_1k_v1.2.3+4.bin", NULL);
	g_autoptr(GPtrArray) tampered = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) corrupt = images_of("broken_body-corrupt.bin", NULL);
	g_autoptr(GPtrArray) all = images_of("rsa2048_60k_v1.2.3+4.bin", "ed25519_60k_v2.0.0.bin",
					     "ecdsa-p256_60k_v1.2.3+4.bin", NULL);

	check(p256, by_p256, 0, NULL);
	check(p256, by_ed, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 2.0.0)");
	check(p256, by_rsa, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 1.2.3+4)");
	/* with trusted keys an unsigned image is refused even without RequireSigned */
	check(p256, unsigned_second, DFUD_ERROR_UNSIGNED, "image 1 (version 1.2.3+4)");
	/* another P-256 key: the key hash TLV tells it apart */
	check(wrong_p256, by_p256, DFUD_ERROR_KEY_MISMATCH, "image 0");

	g_ptr_array_add(tampered, load_image("ed25519_60k_v2.0.0.bin"));
	g_ptr_array_add(tampered, load_image_bad_signature());
	check(p256, tampered, DFUD_ERROR_KEY_MISMATCH, "image 0 (version 2.0.0)");
	g_ptr_array_remove_index(tampered, 0);
	check(p256, tampered, DFUD_ERROR_SIGNATURE_INVALID, "image 0 (version 1.2.3+4)");
	/* the key that made it fails it: that, not the other keys' mismatch, is the news */
	check(three, tampered, DFUD_ERROR_SIGNATURE_INVALID, "image 0");

	/* a signature vouches only for a body that matches the hash */
	check(p256, corrupt, DFUD_ERROR_IMAGE_HASH_MISMATCH, "image 0");

	check(two, by_ed, 0, NULL);
	check(two, by_rsa, 0, NULL);
	check(two, by_p256, DFUD_ERROR_KEY_MISMATCH, "none of the 2 trusted keys");
	check(three, all, 0, NULL);
	check(three, by_p256, 0, NULL);
}

/* the images of real DFU zips, as the daemon gets them from DfudPackage */
static void
check_zip(DdConfig *config, const gchar *name, gint code)
{
	g_autofree gchar *path = data_path(name);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(DfudPackage) package = NULL;
	g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func(g_object_unref);
	GPtrArray *entries;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	bytes = g_bytes_new(contents, len);
	package = dfud_package_new_from_bytes(bytes, &error);
	g_assert_no_error(error);
	entries = dfud_package_get_entries(package);
	g_assert_cmpuint(entries->len, >, 0);
	for (guint i = 0; i < entries->len; i++)
		g_ptr_array_add(images,
				g_object_ref(dfud_package_entry_get_image(entries->pdata[i])));
	check(config, images, code, NULL);
}

static void
test_check_zip(void)
{
	g_autoptr(DdConfig) p256 = config_with_keys(TRUE, "key-ecdsa-p256.pem", NULL);
	g_autoptr(DdConfig) ed = config_with_keys(FALSE, "key-ed25519.pem", NULL);

	check_zip(p256, "dfu_application_single_nrf52840.zip", 0);
	check_zip(p256, "dfu_application_multi_nrf5340.zip", 0);
	check_zip(ed, "dfu_application_multi_nrf5340.zip", DFUD_ERROR_KEY_MISMATCH);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/daemon/config/defaults", test_defaults);
	g_test_add_func("/daemon/config/every-key", test_every_key);
	g_test_add_func("/daemon/config/uint-ranges", test_uint_ranges);
	g_test_add_func("/daemon/config/timeouts", test_timeouts);
	g_test_add_func("/daemon/config/bluetooth", test_bluetooth);
	g_test_add_func("/daemon/config/require-signed", test_require_signed);
	g_test_add_func("/daemon/config/trusted-keys", test_trusted_keys);
	g_test_add_func("/daemon/config/load-file", test_load_file);
	g_test_add_func("/daemon/config/unknown", test_unknown);
	g_test_add_func("/daemon/config/junk", test_junk);
	g_test_add_func("/daemon/config/check/no-policy", test_check_no_policy);
	g_test_add_func("/daemon/config/check/require-signed", test_check_require_signed);
	g_test_add_func("/daemon/config/check/trusted-keys", test_check_trusted_keys);
	g_test_add_func("/daemon/config/check/zip", test_check_zip);
	return g_test_run();
}
