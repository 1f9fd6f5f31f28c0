/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlScan"

#include "config.h"

#include "dfud-error.h"
#include "dfuctl-client.h"
#include "dfuctl-output.h"
#include "dfuctl.h"

/* Manager.Scan's limits (dbus/org.dfud.Dfu1.Manager.xml) */
#define SCAN_DEFAULT_S 10
#define SCAN_MAX_S 60
/* the call's D-Bus timeout beyond the scan's own duration */
#define SCAN_CALL_SLACK_S 30

static DfuctlRecord *
found_record(GVariant *entry)
{
	DfuctlRecord *rec = dfuctl_record_new();
	const gchar *address = "";
	const gchar *name = "";
	const gchar *adapter = "";
	const gchar *device = "/";
	gboolean added = FALSE;
	gint16 rssi = 0;
	g_autofree gchar *title = NULL;
	g_autofree gchar *rssi_text = NULL;
	gboolean known;

	g_variant_lookup(entry, "address", "&s", &address);
	g_variant_lookup(entry, "name", "&s", &name);
	g_variant_lookup(entry, "adapter", "&s", &adapter);
	g_variant_lookup(entry, "device", "&o", &device);
	g_variant_lookup(entry, "added", "b", &added);
	known = g_strcmp0(device, "/") != 0;
	title = g_strdup_printf("%s%s%s%s", address, name[0] != '\0' ? " (" : "", name,
				name[0] != '\0' ? ")" : "");
	dfuctl_record_set_title(rec, title);
	dfuctl_record_add_string(rec, "address", NULL, address);
	if (name[0] != '\0')
		dfuctl_record_add_string(rec, "name", NULL, name);
	else
		dfuctl_record_add_null(rec, "name", NULL, NULL);
	dfuctl_record_add_string(rec, "adapter", "Adapter", adapter);
	if (g_variant_lookup(entry, "rssi", "n", &rssi)) {
		rssi_text = g_strdup_printf("%d dBm", rssi);
		dfuctl_record_add_int(rec, "rssi", NULL, rssi);
		dfuctl_record_add_string_full(rec, NULL, "RSSI", NULL, rssi_text);
	} else {
		dfuctl_record_add_null(rec, "rssi", "RSSI", "not heard (known to BlueZ)");
	}
	if (known)
		dfuctl_record_add_string(rec, "device", "Device", device);
	else
		dfuctl_record_add_null(rec, "device", "Device", "none");
	dfuctl_record_add_bool(rec, "added", "Added", TRUE, added,
			       added ? "yes (remembered by dfud)" : "no");
	return rec;
}

int
dfuctl_scan_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GVariant) found = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *adapter = NULL;
	g_autofree gchar *name = NULL;
	GVariantBuilder scan_options;
	GPtrArray *items;
	gint timeout_s = SCAN_DEFAULT_S;
	gint rssi = G_MININT;
	int rc = 0;
	const GOptionEntry entries[] = {
	    {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout_s,
	     "Discover for S seconds (1 to 60, default 10)", "S"},
	    {"adapter", 'a', 0, G_OPTION_ARG_STRING, &adapter, "Only on this adapter (hci0)",
	     "ADAPTER"},
	    {"name", 'n', 0, G_OPTION_ARG_STRING, &name,
	     "Only devices whose name matches this glob", "PATTERN"},
	    {"rssi", 'r', 0, G_OPTION_ARG_INT, &rssi,
	     "Only devices heard at this many dBm or more (e.g. -70)", "DBM"},
	    {NULL},
	};

	if (!dfuctl_verb_parse("scan", "",
			       "Discover Bluetooth LE devices that offer the SMP service (or that "
			       "BlueZ knows with it) and list them: address, name, RSSI, adapter "
			       "and dfud's device object. Found devices can be updated by address "
			       "or by the index `dfuctl devices` shows.",
			       entries, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 1)
		return dfuctl_usage("scan", "no arguments expected");
	if (timeout_s < 1 || timeout_s > SCAN_MAX_S)
		return dfuctl_usage("scan", "--timeout must be 1 to %d seconds", SCAN_MAX_S);
	if (rssi != G_MININT && (rssi < -127 || rssi > 20))
		return dfuctl_usage("scan", "--rssi must be -127 to 20 dBm");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "scan", error);

	g_variant_builder_init(&scan_options, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&scan_options, "{sv}", "duration",
			      g_variant_new_uint32((guint32)timeout_s));
	if (adapter != NULL)
		g_variant_builder_add(&scan_options, "{sv}", "adapter",
				      g_variant_new_string(adapter));
	if (name != NULL)
		g_variant_builder_add(&scan_options, "{sv}", "name", g_variant_new_string(name));
	if (rssi != G_MININT)
		g_variant_builder_add(&scan_options, "{sv}", "rssi",
				      g_variant_new_int16((gint16)rssi));
	if (!dfud_dbus_manager_call_scan_sync(
		client->root, g_variant_builder_end(&scan_options), G_DBUS_CALL_FLAGS_NONE,
		(timeout_s + SCAN_CALL_SLACK_S) * 1000, &found, NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "scan", error);
	}
	rec = dfuctl_record_new();
	items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	for (gsize i = 0; i < g_variant_n_children(found); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(found, i);
		g_ptr_array_add(items, found_record(entry));
	}
	if (items->len == 0)
		dfuctl_record_add_string_full(rec, NULL, "Devices", NULL,
					      "none found (is the device advertising, in range?)");
	dfuctl_record_add_list(rec, "devices", items, TRUE);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}
