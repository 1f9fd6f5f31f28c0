/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlCommands"

#include "config.h"

#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfuctl-client.h"
#include "dfuctl-output.h"
#include "dfuctl.h"

static DfuctlRecord *
command_record(DfudDbusDevice *device, const gchar *command)
{
	DfuctlRecord *rec = dfuctl_record_new();
	dfuctl_record_add_string(rec, "device", "Device",
				 g_dbus_proxy_get_object_path(G_DBUS_PROXY(device)));
	dfuctl_record_add_string(rec, "command", NULL, command);
	return rec;
}

/* a hash as the device reports it: SHA-256, SHA-384 or SHA-512 */
static GBytes *
parse_hash(const gchar *verb, const gchar *text, int *rc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) hash = dfud_hex_decode(text, &error);
	gsize len;

	if (hash == NULL) {
		*rc = dfuctl_usage(verb, "HASH '%s' is not hex: %s", text, error->message);
		return NULL;
	}
	len = g_bytes_get_size(hash);
	if (len != 32 && len != 48 && len != 64) {
		*rc = dfuctl_usage(verb,
				   "HASH has %" G_GSIZE_FORMAT " bytes; an image hash has 32, 48 "
				   "or 64 (64, 96 or 128 hex digits)",
				   len);
		return NULL;
	}
	return g_steal_pointer(&hash);
}

static GVariant *
hash_variant(GBytes *hash)
{
	gsize len = 0;
	const guint8 *data = hash != NULL ? g_bytes_get_data(hash, &len) : NULL;
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data, len, 1);
}

int
dfuctl_test_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(GBytes) hash = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *hex = NULL;
	int rc = 0;

	if (!dfuctl_verb_parse("test", "DEV HASH",
			       "Mark the image with this hash (hex, as 'dfuctl images' shows) to "
			       "be booted once at the next reset.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 3)
		return dfuctl_usage("test", argc < 3 ? "DEV and HASH are required"
						     : "exactly DEV and HASH are expected");
	hash = parse_hash("test", argv[2], &rc);
	if (hash == NULL)
		return rc;
	device = dfuctl_client_open_device(&opts, "test", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	if (!dfud_dbus_device_call_test_sync(device, hash_variant(hash), G_DBUS_CALL_FLAGS_NONE, -1,
					     NULL, &local)) {
		g_autoptr(GError) error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "test", error);
	}
	hex = dfud_hex_encode_bytes(hash);
	rec = command_record(device, "test");
	dfuctl_record_add_string(rec, "hash", "Test at next reset", hex);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_confirm_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(GBytes) hash = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *hex = NULL;
	int rc = 0;

	if (!dfuctl_verb_parse("confirm", "DEV [HASH]",
			       "Make the running image (or the image with this hash) permanent.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc < 2 || argc > 3)
		return dfuctl_usage("confirm", argc < 2 ? "a DEV is required"
							: "DEV and at most one HASH are expected");
	if (argc == 3) {
		hash = parse_hash("confirm", argv[2], &rc);
		if (hash == NULL)
			return rc;
	}
	device = dfuctl_client_open_device(&opts, "confirm", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	if (!dfud_dbus_device_call_confirm_sync(device, hash_variant(hash), G_DBUS_CALL_FLAGS_NONE,
						-1, NULL, &local)) {
		g_autoptr(GError) error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "confirm", error);
	}
	rec = command_record(device, "confirm");
	if (hash != NULL) {
		hex = dfud_hex_encode_bytes(hash);
		dfuctl_record_add_string(rec, "hash", "Confirmed", hex);
	} else {
		dfuctl_record_add_null(rec, "hash", "Confirmed", "the running image");
	}
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_erase_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	gint slot = -1;
	int rc = 0;
	const GOptionEntry entries[] = {
	    {"slot", 's', 0, G_OPTION_ARG_INT, &slot,
	     "Erase this slot (default: the device's spare slot)", "N"},
	    {NULL},
	};

	if (!dfuctl_verb_parse("erase", "DEV", "Erase the device's spare (secondary) image slot.",
			       entries, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("erase",
				    argc < 2 ? "a DEV is required" : "exactly one DEV is expected");
	if (slot < -1)
		return dfuctl_usage("erase", "--slot must be 0 or more");
	device = dfuctl_client_open_device(&opts, "erase", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	if (!dfud_dbus_device_call_erase_sync(device, slot, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
					      &local)) {
		g_autoptr(GError) error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "erase", error);
	}
	rec = command_record(device, "erase");
	if (slot >= 0)
		dfuctl_record_add_int(rec, "slot", "Erased slot", slot);
	else
		dfuctl_record_add_null(rec, "slot", "Erased slot", "the spare slot");
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_reset_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	gboolean force = FALSE;
	GVariantBuilder reset_options;
	int rc = 0;
	const GOptionEntry entries[] = {
	    {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Reset even if the device objects", NULL},
	    {NULL},
	};

	if (!dfuctl_verb_parse("reset", "DEV", "Reset the device.", entries, &opts, &argc, &argv,
			       &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("reset",
				    argc < 2 ? "a DEV is required" : "exactly one DEV is expected");
	device = dfuctl_client_open_device(&opts, "reset", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	g_variant_builder_init(&reset_options, G_VARIANT_TYPE_VARDICT);
	if (force)
		g_variant_builder_add(&reset_options, "{sv}", "force", g_variant_new_boolean(TRUE));
	if (!dfud_dbus_device_call_reset_sync(device, g_variant_builder_end(&reset_options),
					      G_DBUS_CALL_FLAGS_NONE, -1, NULL, &local)) {
		g_autoptr(GError) error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "reset", error);
	}
	rec = command_record(device, "reset");
	dfuctl_record_add_bool(rec, "force", "Forced", TRUE, force, NULL);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_echo_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *reply = NULL;
	int rc = 0;

	if (!dfuctl_verb_parse("echo", "DEV TEXT",
			       "Send TEXT to the device and print what it echoes: a link check.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 3)
		return dfuctl_usage("echo", argc < 3 ? "DEV and TEXT are required"
						     : "exactly DEV and TEXT are expected (quote "
						       "TEXT with spaces)");
	if (!g_utf8_validate(argv[2], -1, NULL))
		return dfuctl_usage("echo", "TEXT is not UTF-8");
	device = dfuctl_client_open_device(&opts, "echo", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	if (!dfud_dbus_device_call_echo_sync(device, argv[2], G_DBUS_CALL_FLAGS_NONE, -1, &reply,
					     NULL, &local)) {
		g_autoptr(GError) error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "echo", error);
	}
	rec = command_record(device, "echo");
	dfuctl_record_add_string(rec, "text", NULL, argv[2]);
	dfuctl_record_add_string(rec, "reply", "Reply", reply);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}
