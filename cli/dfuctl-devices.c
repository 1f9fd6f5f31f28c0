/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfuctlDevices"

#include "config.h"

#include "dfud-dbus-error.h"
#include "dfud-error.h"
#include "dfud-hex.h"
#include "dfuctl-client.h"
#include "dfuctl-job-record.h"
#include "dfuctl-output.h"
#include "dfuctl.h"

/* "/" is D-Bus for "none" */
static void
add_object_path(DfuctlRecord *rec, const gchar *key, const gchar *label, const gchar *path)
{
	if (path != NULL && g_strcmp0(path, "/") != 0)
		dfuctl_record_add_string(rec, key, label, path);
	else
		dfuctl_record_add_null(rec, key, label, "none");
}

static void
add_nonempty(DfuctlRecord *rec, const gchar *key, const gchar *label, const gchar *value)
{
	if (value != NULL && value[0] != '\0')
		dfuctl_record_add_string(rec, key, label, value);
	else
		dfuctl_record_add_null(rec, key, label, "-");
}

static gboolean
slot_flag(GVariant *slot, const gchar *name)
{
	gboolean value = FALSE;
	if (!g_variant_lookup(slot, name, "b", &value))
		return FALSE;
	return value;
}

/* the version of the running image 0, NULL when the slots were never read */
static const gchar *
active_version(GVariant *images)
{
	const gchar *fallback = NULL;

	if (images == NULL || !g_variant_is_of_type(images, G_VARIANT_TYPE("aa{sv}")))
		return NULL;
	for (gsize i = 0; i < g_variant_n_children(images); i++) {
		g_autoptr(GVariant) slot = g_variant_get_child_value(images, i);
		const gchar *version = NULL;
		guint32 image = 0;

		g_variant_lookup(slot, "image", "u", &image);
		if (!g_variant_lookup(slot, "version", "&s", &version) ||
		    !slot_flag(slot, "active"))
			continue;
		if (image == 0)
			return version;
		if (fallback == NULL)
			fallback = version;
	}
	return fallback;
}

static const gchar *const slot_flags[] = {"active", "confirmed", "pending", "permanent",
					  "bootable"};

/* the size of @image's @slot from the device's SlotSizes, FALSE when not reported */
static gboolean
slot_size(GVariant *sizes, guint32 image, guint32 slot, guint64 *size)
{
	if (sizes == NULL || !g_variant_is_of_type(sizes, G_VARIANT_TYPE("aa{sv}")))
		return FALSE;
	for (gsize i = 0; i < g_variant_n_children(sizes); i++) {
		g_autoptr(GVariant) entry = g_variant_get_child_value(sizes, i);
		guint32 e_image = 0;
		guint32 e_slot = 0;

		if (g_variant_lookup(entry, "image", "u", &e_image) &&
		    g_variant_lookup(entry, "slot", "u", &e_slot) && e_image == image &&
		    e_slot == slot && g_variant_lookup(entry, "size", "t", size))
			return TRUE;
	}
	return FALSE;
}

/* the image slots as a list: JSON objects, and blocks for people; @sizes: SlotSizes */
static void
add_slots(DfuctlRecord *rec, GVariant *images, GVariant *sizes)
{
	GPtrArray *items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);

	if (images != NULL && g_variant_is_of_type(images, G_VARIANT_TYPE("aa{sv}"))) {
		for (gsize i = 0; i < g_variant_n_children(images); i++) {
			g_autoptr(GVariant) slot = g_variant_get_child_value(images, i);
			g_autoptr(GVariant) hash = NULL;
			g_autofree gchar *hash_hex = NULL;
			g_autofree gchar *title = NULL;
			g_autoptr(GPtrArray) set = g_ptr_array_new();
			DfuctlRecord *item = dfuctl_record_new();
			const gchar *version = NULL;
			guint32 image = 0;
			guint32 slot_no = 0;
			guint64 size = 0;

			g_variant_lookup(slot, "image", "u", &image);
			g_variant_lookup(slot, "slot", "u", &slot_no);
			g_variant_lookup(slot, "version", "&s", &version);
			hash = g_variant_lookup_value(slot, "hash", G_VARIANT_TYPE_BYTESTRING);
			if (hash != NULL) {
				gsize len = 0;
				const guint8 *data = g_variant_get_fixed_array(hash, &len, 1);
				if (len > 0)
					hash_hex = dfud_hex_encode(data, len, 0);
			}
			title = g_strdup_printf("Image %u, slot %u", image, slot_no);
			dfuctl_record_set_title(item, title);
			dfuctl_record_add_uint(item, "image", NULL, image, NULL);
			dfuctl_record_add_uint(item, "slot", NULL, slot_no, NULL);
			add_nonempty(item, "version", "Version", version);
			add_nonempty(item, "hash", "Hash", hash_hex);
			if (slot_size(sizes, image, slot_no, &size))
				dfuctl_record_add_uint(item, "size", "Slot size", size, NULL);
			else
				dfuctl_record_add_null(item, "size", NULL, NULL);
			for (guint j = 0; j < G_N_ELEMENTS(slot_flags); j++) {
				gboolean on = slot_flag(slot, slot_flags[j]);
				dfuctl_record_add_bool(item, slot_flags[j], NULL, TRUE, on, NULL);
				if (on)
					g_ptr_array_add(set, (gpointer)slot_flags[j]);
			}
			g_ptr_array_add(set, NULL);
			dfuctl_record_add_strv(item, NULL, "Flags",
					       (const gchar *const *)set->pdata, "none");
			g_ptr_array_add(items, item);
		}
	}
	if (items->len == 0)
		dfuctl_record_add_string_full(rec, NULL, "Images", NULL,
					      "not read yet (dfuctl images DEV reads them)");
	dfuctl_record_add_list(rec, "images", items, TRUE);
}

static DfuctlRecord *
device_summary(DfudDbusDevice *device, guint index)
{
	DfuctlRecord *rec = dfuctl_record_new();
	const gchar *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(device));
	const gchar *name = dfud_dbus_device_get_name(device);
	g_autofree gchar *title = NULL;

	title =
	    g_strdup_printf("[%u] %s%s%s%s", index, dfuctl_object_name(path),
			    name != NULL && name[0] != '\0' ? " (" : "", name != NULL ? name : "",
			    name != NULL && name[0] != '\0' ? ")" : "");
	dfuctl_record_set_title(rec, title);
	dfuctl_record_add_uint(rec, "index", NULL, index, NULL);
	dfuctl_record_add_string(rec, "object", NULL, dfuctl_object_name(path));
	dfuctl_record_add_string(rec, "path", NULL, path);
	add_nonempty(rec, "name", NULL, name);
	dfuctl_record_add_string(rec, "uri", "URI", dfud_dbus_device_get_uri(device));
	dfuctl_record_add_string(rec, "transport", "Transport",
				 dfud_dbus_device_get_transport(device));
	dfuctl_record_add_string(rec, "address", "Address", dfud_dbus_device_get_address(device));
	dfuctl_record_add_bool(rec, "connected", "Connected", TRUE,
			       dfud_dbus_device_get_connected(device), NULL);
	dfuctl_record_add_string(rec, "state", "State", dfud_dbus_device_get_state(device));
	add_object_path(rec, "current_job", "Current job",
			dfud_dbus_device_get_current_job(device));
	add_nonempty(rec, "active_version", "Active version",
		     active_version(dfud_dbus_device_get_images(device)));
	return rec;
}

int
dfuctl_devices_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) devices = NULL;
	g_autoptr(DfuctlRecord) rec = dfuctl_record_new();
	GPtrArray *items;
	int rc = 0;

	if (!dfuctl_verb_parse("devices", "",
			       "List the devices dfud knows, with the short "
			       "indexes other verbs accept as DEV.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 1)
		return dfuctl_usage("devices", "no arguments expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "devices", error);

	devices = dfuctl_client_list_devices(client);
	items = g_ptr_array_new_with_free_func((GDestroyNotify)dfuctl_record_free);
	for (guint i = 0; i < devices->len; i++) {
		DfudDbusDevice *device =
		    dfud_dbus_object_peek_device(g_ptr_array_index(devices, i));
		g_ptr_array_add(items, device_summary(device, i + 1));
	}
	if (devices->len == 0)
		dfuctl_record_add_string_full(rec, NULL, "Devices", NULL,
					      "none (dfuctl add URI makes one known)");
	dfuctl_record_add_list(rec, "devices", items, TRUE);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_add_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *index_text = NULL;
	GVariantBuilder add_options;
	guint index;
	int rc = 0;
	const GOptionEntry entries[] = {
	    {"name", 'n', 0, G_OPTION_ARG_STRING, &name, "A name to show for the device", "NAME"},
	    {NULL},
	};

	if (!dfuctl_verb_parse("add", "URI",
			       "Make a device known to dfud and remember it: "
			       "udp:HOST[:PORT][?mtu=N&att-mtu=N], udp:[IPV6][:PORT], "
			       "ble:ADDRESS[?adapter=hciN] or a bare BLE address. A host "
			       "name must resolve. Nothing is sent to the device.",
			       entries, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("add",
				    argc < 2 ? "a URI is required" : "exactly one URI is expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "add", error);

	g_variant_builder_init(&add_options, G_VARIANT_TYPE_VARDICT);
	if (name != NULL)
		g_variant_builder_add(&add_options, "{sv}", "name", g_variant_new_string(name));
	if (!dfud_dbus_manager_call_add_device_sync(
		client->root, argv[1], g_variant_builder_end(&add_options), G_DBUS_CALL_FLAGS_NONE,
		-1, &path, NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "add", error);
	}
	device = dfuctl_client_wait_device(client, path, &error);
	if (device == NULL)
		return dfuctl_fail(&opts, "add", error);
	index = dfuctl_client_device_index(client, device);
	rec = dfuctl_record_new();
	dfuctl_record_add_string(rec, "path", "Device", path);
	index_text = g_strdup_printf("%u", index);
	if (index > 0)
		dfuctl_record_add_uint(rec, "index", "Index", index, index_text);
	else
		dfuctl_record_add_null(rec, "index", "Index", "-");
	dfuctl_record_add_string(rec, "object", NULL, dfuctl_object_name(path));
	dfuctl_record_add_string(rec, "uri", "URI", dfud_dbus_device_get_uri(device));
	add_nonempty(rec, "name", "Name", dfud_dbus_device_get_name(device));
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_remove_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	const gchar *path;
	int rc = 0;

	if (!dfuctl_verb_parse("remove", "DEV", "Forget a device added with 'dfuctl add'.", NULL,
			       &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("remove",
				    argc < 2 ? "a DEV is required" : "exactly one DEV is expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "remove", error);
	/* never add a device only to remove it again */
	device = dfuctl_client_lookup_device(client, argv[1], FALSE, &error);
	if (device == NULL)
		return dfuctl_fail(&opts, "remove", error);
	path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(device));
	if (!dfud_dbus_manager_call_remove_device_sync(client->root, path, G_DBUS_CALL_FLAGS_NONE,
						       -1, NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "remove", error);
	}
	rec = dfuctl_record_new();
	dfuctl_record_add_string(rec, "path", "Removed", path);
	dfuctl_record_add_string(rec, "uri", "URI", dfud_dbus_device_get_uri(device));
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

int
dfuctl_info_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autofree gchar *title = NULL;
	GVariant *last_update;
	const gchar *path;
	guint index;
	int rc = 0;

	if (!dfuctl_verb_parse("info", "DEV",
			       "Show what dfud knows about a device, without "
			       "talking to it. A URI dfud does not know is not added "
			       "(dfuctl add does that): exit 3.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("info",
				    argc < 2 ? "a DEV is required" : "exactly one DEV is expected");
	client = dfuctl_client_new(&opts, &error);
	if (client == NULL)
		return dfuctl_fail(&opts, "info", error);
	/* info only shows: a URI dfud does not know is not added (NotFound, exit 3) */
	device = dfuctl_client_lookup_device(client, argv[1], FALSE, &error);
	if (device == NULL)
		return dfuctl_fail(&opts, "info", error);

	path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(device));
	index = dfuctl_client_device_index(client, device);
	rec = dfuctl_record_new();
	dfuctl_record_add_string(rec, "path", "Device", path);
	dfuctl_record_add_string(rec, "object", NULL, dfuctl_object_name(path));
	title = g_strdup_printf("%u", index);
	if (index > 0)
		dfuctl_record_add_uint(rec, "index", "Index", index, title);
	else
		dfuctl_record_add_null(rec, "index", "Index", "-");
	add_nonempty(rec, "name", "Name", dfud_dbus_device_get_name(device));
	dfuctl_record_add_string(rec, "uri", "URI", dfud_dbus_device_get_uri(device));
	dfuctl_record_add_string(rec, "transport", "Transport",
				 dfud_dbus_device_get_transport(device));
	dfuctl_record_add_string(rec, "address", "Address", dfud_dbus_device_get_address(device));
	add_object_path(rec, "bluez_device", "BlueZ device",
			dfud_dbus_device_get_bluez_device(device));
	dfuctl_record_add_bool(rec, "added", "Added", TRUE, dfud_dbus_device_get_added(device),
			       NULL);
	dfuctl_record_add_bool(rec, "connected", "Connected", TRUE,
			       dfud_dbus_device_get_connected(device), NULL);
	dfuctl_record_add_string(rec, "state", "State", dfud_dbus_device_get_state(device));
	add_object_path(rec, "current_job", "Current job",
			dfud_dbus_device_get_current_job(device));
	add_nonempty(rec, "bootloader_mode", "Bootloader",
		     dfud_dbus_device_get_bootloader_mode(device));
	/* known with the mode (both come from bootloader info) */
	dfuctl_record_add_bool(rec, "no_downgrade", "Downgrade prevention",
			       dfud_dbus_device_get_bootloader_mode(device)[0] != '\0',
			       dfud_dbus_device_get_no_downgrade(device), NULL);
	add_nonempty(rec, "os_info", "OS info", dfud_dbus_device_get_os_info(device));
	add_nonempty(rec, "active_version", "Active version",
		     active_version(dfud_dbus_device_get_images(device)));
	last_update = dfud_dbus_device_get_last_update(device);
	if (last_update != NULL && g_variant_is_of_type(last_update, G_VARIANT_TYPE_VARDICT) &&
	    g_variant_n_children(last_update) > 0)
		dfuctl_record_add_record(rec, "last_update", "Last update",
					 dfuctl_history_record(last_update));
	else
		dfuctl_record_add_null(rec, "last_update", "Last update", "none");
	add_slots(rec, dfud_dbus_device_get_images(device),
		  dfud_dbus_device_get_slot_sizes(device));
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}

/* a Device property as dfud has it now (GetImageState just set it), not the proxy's cache,
 * which the PropertiesChanged may not have reached yet; NULL when it cannot be read */
static GVariant *
read_property(DfuctlClient *client, DfudDbusDevice *device, const gchar *name)
{
	g_autoptr(GVariant) reply = NULL;
	GVariant *value = NULL;

	reply = g_dbus_connection_call_sync(
	    client->bus, DFUD_DBUS_NAME, g_dbus_proxy_get_object_path(G_DBUS_PROXY(device)),
	    "org.freedesktop.DBus.Properties", "Get",
	    g_variant_new("(ss)", "org.dfud.Dfu1.Device", name), G_VARIANT_TYPE("(v)"),
	    G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(v)", &value);
	return value;
}

/* the bootloader mode as dfud has it now */
static gchar *
read_bootloader_mode(DfuctlClient *client, DfudDbusDevice *device)
{
	g_autoptr(GVariant) value = read_property(client, device, "BootloaderMode");

	if (value == NULL)
		return g_strdup(dfud_dbus_device_get_bootloader_mode(device));
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
		return NULL;
	return g_variant_dup_string(value, NULL);
}

int
dfuctl_images_run(const DfuctlOptions *options, int argc, char **argv)
{
	DfuctlOptions opts = *options;
	g_autoptr(DfuctlClient) client = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(DfudDbusDevice) device = NULL;
	g_autoptr(DfuctlRecord) rec = NULL;
	g_autoptr(GVariant) images = NULL;
	g_autoptr(GVariant) sizes = NULL;
	g_autofree gchar *mode = NULL;
	const gchar *path;
	int rc = 0;

	if (!dfuctl_verb_parse("images", "DEV",
			       "Read the image slots from the device and show "
			       "them: version, hash and flags of every slot.",
			       NULL, &opts, &argc, &argv, &rc))
		return rc;
	if (argc != 2)
		return dfuctl_usage("images",
				    argc < 2 ? "a DEV is required" : "exactly one DEV is expected");
	device = dfuctl_client_open_device(&opts, "images", argv[1], &client, &rc);
	if (device == NULL)
		return rc;
	if (!dfud_dbus_device_call_get_image_state_sync(device, G_DBUS_CALL_FLAGS_NONE, -1, &images,
							NULL, &local)) {
		error = dfuctl_client_error(local);
		return dfuctl_fail(&opts, "images", error);
	}
	path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(device));
	mode = read_bootloader_mode(client, device);
	rec = dfuctl_record_new();
	dfuctl_record_add_string(rec, "path", "Device", path);
	dfuctl_record_add_string(rec, "uri", "URI", dfud_dbus_device_get_uri(device));
	add_nonempty(rec, "bootloader_mode", "Bootloader", mode);
	add_nonempty(rec, "active_version", "Active version", active_version(images));
	sizes = read_property(client, device, "SlotSizes");
	add_slots(rec, images, sizes);
	dfuctl_record_print(rec, opts.json);
	return DFUD_EXIT_OK;
}
