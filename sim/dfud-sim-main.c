/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "ble/dfud-sim-ble.h"
#include "device/dfud-sim-capacity.h"
#include "device/dfud-sim-device.h"
#include "device/dfud-sim-log.h"
#include "dfud-sim-options.h"
#include "serial/dfud-sim-serial.h"
#include "udp/dfud-sim-udp.h"

/* exit statuses: 0 stopped by a signal, 1 failed at run time, 2 bad command line */
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

typedef struct {
	DfudSimOptions *options;
	DfudSimLog *log;
	GPtrArray *devices; /* element-type DfudSimDevice */
	GPtrArray *udps;    /* element-type DfudSimUdp */
	GPtrArray *serials; /* element-type DfudSimSerial */
	DfudSimBle *ble;
	GMainLoop *loop;
	gint status;
} DfudSim;

static void
sim_fail(DfudSim *sim, const gchar *what, const GError *error)
{
	fprintf(stderr, "dfud-sim: %s%s%s\n", what != NULL ? what : "", what != NULL ? ": " : "",
		error->message);
	sim->status = EXIT_RUNTIME;
	if (sim->loop != NULL)
		g_main_loop_quit(sim->loop);
}

/* the timing model in one line: the flash preset and the link */
static void
sim_print_model(const DfudSimConfig *config)
{
	const DfudSimFlashParams *flash = &config->flash;
	const DfudSimLinkParams *link = &config->link;

	printf("dfud-sim: model: flash %s (write %u ns/byte, erase %u us per %u-byte sector, "
	       "time scale %g)",
	       flash->name != NULL ? flash->name : "custom", flash->write_ns_per_byte,
	       flash->erase_us_per_sector, flash->sector_size, config->time_scale);
	if (link->enabled)
		printf(", link %s %g ms MTU %u LL %u pdus %u (time scale %g)\n",
		       dfud_sim_link_phy_to_string(link->phy), link->conn_interval_us / 1000.0,
		       link->att_mtu, link->ll_octets, link->max_pdus_per_event, link->time_scale);
	else
		printf(", no link model\n");
}

static void
sim_ready(DfudSim *sim)
{
	sim_print_model(sim->options->config);
	printf("READY\n");
	fflush(stdout);
}

/* --capacity: the model's bound as one JSON object */
static gint
sim_capacity(const DfudSimOptions *options)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = NULL;
	DfudSimCapacity capacity;

	if (!dfud_sim_capacity_compute(options->config, options->capacity_bytes, &capacity,
				       &error)) {
		fprintf(stderr, "dfud-sim: --capacity: %s\nTry 'dfud-sim --help'.\n",
			error->message);
		return EXIT_USAGE;
	}
	json = dfud_sim_capacity_to_json(&capacity);
	printf("%s\n", json);
	fflush(stdout);
	return 0;
}

static gboolean
sim_stop_cb(gpointer user_data)
{
	DfudSim *sim = user_data;

	sim->status = 0;
	g_main_loop_quit(sim->loop);
	return G_SOURCE_CONTINUE;
}

/* SIGHUP: the faults of --fault and --fault-file again, with fresh counters */
static gboolean
sim_reload_cb(gpointer user_data)
{
	DfudSim *sim = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) faults = NULL;

	if (sim->options->config->fault_file == NULL) {
		fprintf(stderr, "dfud-sim: SIGHUP: no --fault-file to re-read\n");
		return G_SOURCE_CONTINUE;
	}
	faults = dfud_sim_options_load_faults(sim->options, &error);
	if (faults == NULL) {
		/* keep the faults that run now */
		fprintf(stderr, "dfud-sim: SIGHUP: %s\n", error->message);
		return G_SOURCE_CONTINUE;
	}
	/* each device keeps its own copies of the faults meant for it */
	for (guint i = 0; i < sim->devices->len; i++)
		dfud_sim_device_set_faults(sim->devices->pdata[i], faults);
	printf("dfud-sim: faults reloaded from %s (%u)\n", sim->options->config->fault_file,
	       faults->len);
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean
sim_start_udp(DfudSim *sim, GError **error)
{
	const DfudSimConfig *config = sim->options->config;

	for (guint i = 0; i < sim->devices->len; i++) {
		g_autoptr(GInetSocketAddress) address = NULL;
		g_autofree gchar *name = NULL;
		guint16 port = config->udp_port == 0 ? 0 : (guint16)(config->udp_port + i);
		DfudSimUdp *udp;

		address = dfud_sim_udp_resolve(config->udp_host, port, error);
		if (address == NULL)
			return FALSE;
		udp = dfud_sim_udp_new(sim->devices->pdata[i], sim->log, address, error);
		if (udp == NULL)
			return FALSE;
		g_ptr_array_add(sim->udps, udp);
		name = dfud_sim_udp_address_to_string(dfud_sim_udp_get_address(udp));
		printf("dfud-sim: device %u listening on udp %s\n", i, name);
	}
	fflush(stdout);
	return TRUE;
}

static gboolean
sim_start_serial(DfudSim *sim, GError **error)
{
	const DfudSimConfig *config = sim->options->config;

	for (guint i = 0; i < sim->devices->len; i++) {
		g_autofree gchar *link = NULL;
		DfudSimSerialParams params = {
		    .baud = config->serial_baud,
		    .mtu = config->serial_mtu,
		    .noise_ms = config->serial_noise_ms,
		    .unplug_ms = config->serial_unplug_ms,
		    .raw = config->serial_raw,
		};
		DfudSimSerial *serial;

		if (config->serial_link != NULL)
			link = i == 0 ? g_strdup(config->serial_link)
				      : g_strdup_printf("%s.%u", config->serial_link, i);
		params.link = link;
		serial = dfud_sim_serial_new(sim->devices->pdata[i], sim->log, &params, error);
		if (serial == NULL)
			return FALSE;
		g_ptr_array_add(sim->serials, serial);
		/* as native_sim says "UART connected to pseudotty: /dev/pts/N" */
		printf("dfud-sim: device %u serial on %s%s%s\n", i,
		       dfud_sim_serial_get_path(serial), link != NULL ? " link " : "",
		       link != NULL ? link : "");
	}
	fflush(stdout);
	return TRUE;
}

static void
sim_ble_started_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	DfudSim *sim = user_data;
	const DfudSimConfig *config = sim->options->config;
	g_autoptr(GError) error = NULL;

	if (!dfud_sim_ble_start_finish(sim->ble, result, &error)) {
		sim_fail(sim, "ble", error);
		return;
	}
	printf("dfud-sim: device 0 advertising on ble as %s%s%s\n",
	       config->name != NULL ? config->name : "dfud-sim",
	       config->adapter != NULL ? " on " : "",
	       config->adapter != NULL ? config->adapter : "");
	sim_ready(sim);
}

static gboolean
sim_start(DfudSim *sim, GError **error)
{
	const DfudSimConfig *config = sim->options->config;

	sim->log = dfud_sim_log_new(config->log_json, error);
	if (sim->log == NULL)
		return FALSE;
	for (guint i = 0; i < config->count; i++) {
		DfudSimDevice *device = dfud_sim_device_new(config, i, sim->log, error);

		if (device == NULL) {
			g_prefix_error(error, "device %u: ", i);
			return FALSE;
		}
		g_ptr_array_add(sim->devices, device);
	}
	if (sim->options->udp && !sim_start_udp(sim, error))
		return FALSE;
	if (config->serial && !sim_start_serial(sim, error))
		return FALSE;
	if (config->ble) {
		sim->ble = dfud_sim_ble_new(sim->devices, config, error);
		if (sim->ble == NULL)
			return FALSE;
		/* READY once BlueZ accepted the service and the advertisement */
		dfud_sim_ble_start_async(sim->ble, NULL, sim_ble_started_cb, sim);
		return TRUE;
	}
	sim_ready(sim);
	return TRUE;
}

static void
sim_clear(DfudSim *sim)
{
	/* the transports first: they close their sessions on the devices */
	g_clear_pointer(&sim->udps, g_ptr_array_unref);
	g_clear_pointer(&sim->serials, g_ptr_array_unref);
	g_clear_pointer(&sim->ble, dfud_sim_ble_free);
	g_clear_pointer(&sim->devices, g_ptr_array_unref);
	g_clear_pointer(&sim->log, dfud_sim_log_free);
	g_clear_pointer(&sim->loop, g_main_loop_unref);
	g_clear_pointer(&sim->options, dfud_sim_options_free);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	DfudSim sim = {0};
	guint sources[3];

	setlocale(LC_ALL, "");
	sim.options = dfud_sim_options_parse(argc, argv, &error);
	if (sim.options == NULL) {
		fprintf(stderr, "dfud-sim: %s\nTry 'dfud-sim --help'.\n", error->message);
		return EXIT_USAGE;
	}
	if (sim.options->show_version) {
		printf("dfud-sim %s\n", PACKAGE_VERSION);
		sim_clear(&sim);
		return 0;
	}
	if (sim.options->capacity_bytes != 0) {
		gint status = sim_capacity(sim.options);

		sim_clear(&sim);
		return status;
	}
	if (!dfud_sim_config_validate(sim.options->config, &error)) {
		fprintf(stderr, "dfud-sim: %s\nTry 'dfud-sim --help'.\n", error->message);
		sim_clear(&sim);
		return EXIT_USAGE;
	}

	sim.devices = g_ptr_array_new_with_free_func(g_object_unref);
	sim.udps = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_udp_free);
	sim.serials = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_serial_free);
	sim.loop = g_main_loop_new(NULL, FALSE);
	sim.status = 0;
	sources[0] = g_unix_signal_add(SIGINT, sim_stop_cb, &sim);
	sources[1] = g_unix_signal_add(SIGTERM, sim_stop_cb, &sim);
	sources[2] = g_unix_signal_add(SIGHUP, sim_reload_cb, &sim);

	if (!sim_start(&sim, &error))
		sim_fail(&sim, NULL, error);
	else
		g_main_loop_run(sim.loop);

	for (gsize i = 0; i < G_N_ELEMENTS(sources); i++)
		g_source_remove(sources[i]);
	sim_clear(&sim);
	return sim.status;
}
