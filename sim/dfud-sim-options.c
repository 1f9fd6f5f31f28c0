/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-options.h"
#include "udp/dfud-sim-udp.h"

typedef enum {
	OPT_STRING, /* gchar * field */
	OPT_UINT,   /* guint field, decimal */
	OPT_SIZE,   /* guint field: decimal, 0x hex, or a k suffix (KiB) */
	OPT_DOUBLE, /* gdouble field */
	OPT_SET,    /* gboolean field set TRUE, no argument */
	OPT_CLEAR,  /* gboolean field set FALSE, no argument */
	OPT_LINK,   /* a link field (like OPT_UINT); turns the link model on */
	OPT_SPECIAL /* handled by name in option_special() */
} OptKind;

typedef struct {
	const gchar *name;
	OptKind kind;
	gsize offset;
	guint64 min;
	guint64 max;
	const gchar *arg;
	const gchar *help; /* for value options, "%s" is replaced by the default */
} OptSpec;

#define FIELD(f) offsetof(DfudSimConfig, f)

G_STATIC_ASSERT(sizeof(guint) == sizeof(guint32));

static const OptSpec opt_specs[] = {
    /* process and transports */
    {"udp", OPT_SPECIAL, 0, 0, 0, "HOST:PORT",
     "Serve SMP over UDP; device k listens on PORT+k, port 0 picks free ports (%s)"},
    {"state-dir", OPT_STRING, FIELD(state_dir), 0, 0, "DIR",
     "Keep each device's flash in DIR/dev<k> (required)"},
    {"count", OPT_UINT, FIELD(count), 1, 1000, "N", "Simulate N devices (%s)"},
    {"log-json", OPT_STRING, FIELD(log_json), 0, 0, "FILE",
     "Write the JSON-lines event log to FILE, - for stdout"},
    {"ip-mtu", OPT_UINT, FIELD(ip_mtu), 0, 65535, "N",
     "The device's IP MTU: request datagrams whose IP packet (payload + 8 + 20, or + 40 over "
     "IPv6) exceeds N are lost (no IP reassembly), answers too; 0 = none (%s)"},
    {"ble", OPT_SPECIAL, 0, 0, 0, NULL, "Be a BLE peripheral through BlueZ (--count 1 only)"},
    {"adapter", OPT_STRING, FIELD(adapter), 0, 0, "hciN", "Use this BlueZ adapter"},
    {"name", OPT_STRING, FIELD(name), 0, 0, "NAME", "Advertised BLE name (default: dfud-sim)"},
    {"ble-write-socket", OPT_SET, FIELD(ble_write_socket), 0, 0, NULL,
     "Take ATT writes through BlueZ's AcquireWrite socket (one central; see dfud-sim(1))"},
    {"passkey", OPT_UINT, FIELD(ble_passkey), 0, 999999, "N",
     "Pair with this fixed passkey (MITM protection; see dfud-sim(1)); default: Just Works"},
    /* flash and MCUboot */
    {"slot0", OPT_STRING, FIELD(slot0_path), 0, 0, "IMAGE",
     "Install IMAGE as the confirmed running image 0 of a new state directory"},
    {"slot0-net", OPT_STRING, FIELD(slot0_net_path), 0, 0, "IMAGE",
     "The same for image 1 (the network core; needs --images 2)"},
    {"images", OPT_UINT, FIELD(images), 1, 4, "N", "Updatable images, 1..4 (%s)"},
    {"slot-size", OPT_SIZE, FIELD(slot_size), 1, G_MAXUINT32, "BYTES",
     "Size of each slot of image 0 (%s)"},
    {"net-slot-size", OPT_SIZE, FIELD(net_slot_size), 1, G_MAXUINT32, "BYTES",
     "Size of each slot of the images >= 1 (%s)"},
    {"bootloader", OPT_SPECIAL, 0, 0, 0, "MODE",
     "MCUboot mode (spec 3.5): swap-move, swap-scratch, swap-offset, overwrite-only, "
     "single-slot, single-slot-ram-load, ram-load, firmware-loader, direct-xip, "
     "direct-xip-revert, or none (no MCUboot: a reset swaps nothing) (%s)"},
    /* issue 15: slot layout */
    {"slot1-size", OPT_SIZE, FIELD(slot1_size), 0, G_MAXUINT32, "BYTES",
     "Size of image 0's slot 1 when it differs (overwrite-only with compressed images, the "
     "firmware loader's slot); 0 = --slot-size (%s)"},
    {"slot0-addr", OPT_SIZE, FIELD(slot_addr[0]), 0, G_MAXUINT32, "ADDR",
     "Flash address of image 0's slot 0: a ROM_FIXED image runs only at its own slot (%s)"},
    {"slot1-addr", OPT_SIZE, FIELD(slot_addr[1]), 0, G_MAXUINT32, "ADDR",
     "Flash address of image 0's slot 1; 0 = right after slot 0 (%s)"},
    {"slot-info", OPT_SET, FIELD(slot_info), 0, 0, NULL,
     "Answer image slot info with one image too (CONFIG_MCUMGR_GRP_IMG_SLOT_INFO=y)"},
    {"reject-mismatched-slot", OPT_SET, FIELD(reject_mismatched_slot), 0, 0, NULL,
     "Direct-XIP: refuse the upload of a ROM_FIXED image linked for another slot address "
     "(CONFIG_MCUMGR_GRP_IMG_REJECT_DIRECT_XIP_MISMATCHED_SLOT)"},
    /* MCUboot's choice of slot in direct-XIP and RAM-load */
    {"version-cmp-build-number", OPT_SET, FIELD(version_cmp_build_number), 0, 0, NULL,
     "Direct-XIP, RAM-load: MCUboot compares the build number too when it picks the slot "
     "with the highest version (CONFIG_BOOT_VERSION_CMP_USE_BUILD_NUMBER)"},
    {"exec-ram-start", OPT_SIZE, FIELD(exec_ram_start), 0, G_MAXUINT32, "ADDR",
     "RAM-load: start of the RAM images may be loaded to (IMAGE_EXECUTABLE_RAM_START) (%s)"},
    {"exec-ram-size", OPT_SIZE, FIELD(exec_ram_size), 0, G_MAXUINT32, "BYTES",
     "RAM-load: its size (IMAGE_EXECUTABLE_RAM_SIZE) (%s)"},
    {"no-downgrade", OPT_SET, FIELD(no_downgrade), 0, 0, NULL,
     "MCUboot downgrade prevention: refuse older versions"},
    {"key", OPT_STRING, FIELD(key_path), 0, 0, "FILE",
     "MCUboot boots only images signed with this key (PEM)"},
    {"sha512", OPT_SET, FIELD(sha512), 0, 0, NULL, "Images are hashed with SHA-512"},
    {"mcuboot-s0", OPT_STRING, FIELD(mcuboot_s0_path), 0, 0, "IMAGE",
     "NSIB mode: the MCUboot image linked for S0 (with --mcuboot-s1)"},
    {"mcuboot-s1", OPT_STRING, FIELD(mcuboot_s1_path), 0, 0, "IMAGE",
     "NSIB mode: the MCUboot image linked for S1"},
    {"b0-active", OPT_UINT, FIELD(b0_active), 0, 1, "0|1",
     "NSIB mode: the S slot running in a new state directory (%s)"},
    {"swap-time", OPT_UINT, FIELD(swap_time_ms), 0, 3600000, "MS",
     "Time unreachable across a reset; 0 derives it from the flash model (%s)"},
    {"flash", OPT_SPECIAL, 0, 0, 0, "nrf52840|nrf5340",
     "Flash timing of the chip: nrf52840 writes 41 us per word and erases a 4 KiB page in 85 ms, "
     "nrf5340 43 us and 87.5 ms (%s)"},
    {"time-scale", OPT_DOUBLE, FIELD(time_scale), 0, 1000, "F",
     "Multiply flash, erase and swap durations by F; 0 = instant; not the link, not the "
     "reset delay (%s)"},
    /* SMP server */
    {"buf-size", OPT_UINT, FIELD(buf_size), 64, 65535, "N",
     "SMP buffer size, CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE (%s)"},
    {"buf-count", OPT_UINT, FIELD(buf_count), 1, 64, "N",
     "SMP buffers, CONFIG_MCUMGR_TRANSPORT_NETBUF_COUNT (%s)"},
    {"reset-delay", OPT_UINT, FIELD(reset_delay_ms), 0, 3600000, "MS",
     "Reboot MS after the reset answer, CONFIG_MCUMGR_GRP_OS_RESET_MS, answering as the old "
     "firmware meanwhile; not scaled by --time-scale (%s)"},
    {"buf-release-us", OPT_UINT, FIELD(buf_release_us), 0, 10000000, "US",
     "Keep a request's and its answer's SMP buffers US microseconds after the answer left; "
     "a request arriving meanwhile may find none free and is lost (%s)"},
    {"no-smp-v1", OPT_CLEAR, FIELD(smp_v1), 0, 0, NULL, "Refuse SMP v1 requests"},
    {"no-image-check", OPT_CLEAR, FIELD(image_check), 0, 0, NULL,
     "No `match` at the end of an upload (CONFIG_IMG_ENABLE_IMAGE_CHECK=n)"},
    {"no-verbose-errors", OPT_CLEAR, FIELD(verbose_errors), 0, 0, NULL,
     "No `rsn` strings in errors"},
    {"progressive-erase", OPT_SET, FIELD(progressive_erase), 0, 0, NULL,
     "Erase while writing instead of on the first chunk"},
    {"legacy-rc", OPT_SET, FIELD(legacy_rc), 0, 0, NULL,
     "Answer \"rc\": 0 on success (CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR)"},
    {"frugal-list", OPT_SET, FIELD(frugal_list), 0, 0, NULL,
     "Omit false flags from the image list (CONFIG_MCUMGR_GRP_IMG_FRUGAL_LIST)"},
    {"board", OPT_STRING, FIELD(board), 0, 0, "NAME", "Hardware platform in OS info (%s)"},
    /* link model */
    {"link", OPT_SPECIAL, 0, 0, 0, NULL,
     "Apply the BLE air-time model to UDP too (on with --ble or any --link-* option)"},
    {"no-link", OPT_SPECIAL, 0, 0, 0, NULL, "No air-time model, not even with --ble"},
    {"link-phy", OPT_SPECIAL, 0, 0, 0, "1M|2M|coded", "PHY of the link model (%s)"},
    {"link-interval", OPT_SPECIAL, 0, 0, 0, "MS",
     "Connection interval, 7.5..4000 in steps of 1.25 (%s)"},
    {"link-mtu", OPT_LINK, FIELD(link.att_mtu), 23, 517, "N", "ATT MTU, 23..517 (%s)"},
    {"link-data-length", OPT_LINK, FIELD(link.ll_octets), 27, 251, "N",
     "LL payload bytes per PDU, 27..251 (%s)"},
    {"link-pdus", OPT_LINK, FIELD(link.max_pdus_per_event), 0, 1000, "N",
     "Data PDUs per direction per connection event, 0 = as many as fit (%s)"},
    {"link-time-scale", OPT_SPECIAL, 0, 0, 0, "F",
     "Multiply the air model's durations by F > 0; 0.1 runs it ten times faster (%s)"},
    {"capacity", OPT_SPECIAL, 0, 0, 0, "BYTES",
     "Print the model's bound on uploading an image of BYTES as JSON and exit"},
    /* faults */
    {"fault", OPT_SPECIAL, 0, 0, 0, "SPEC", "Inject a fault (repeatable; see below)"},
    {"fault-file", OPT_SPECIAL, 0, 0, 0, "FILE",
     "Read fault specs from FILE, one a line; re-read on SIGHUP"},
    {"seed", OPT_SPECIAL, 0, 0, 0, "N", "Seed of the random faults (%s)"},
    {"version", OPT_SPECIAL, 0, 0, 0, NULL, "Print the version and exit"},
    /* serial (sim/serial): SMP over a pseudo-terminal, as Zephyr's UART transport */
    {"serial", OPT_SET, FIELD(serial), 0, 0, NULL,
     "Serve SMP over a pseudo-terminal per device (Zephyr's UART transport, spec 6.2); its path "
     "is printed, and again when a reset or an unplug opens a new one"},
    {"serial-link", OPT_STRING, FIELD(serial_link), 0, 0, "PATH",
     "Keep a symlink PATH to the current pseudo-terminal (device k > 0: PATH.k), as udev keeps "
     "/dev/serial/by-id/..."},
    {"serial-baud", OPT_UINT, FIELD(serial_baud), 0, 4000000, "N",
     "Pace both directions at N baud (10 bits a byte); 0 = as fast as the PTY (%s)"},
    {"serial-mtu", OPT_UINT, FIELD(serial_mtu), 96, 16384, "N",
     "CONFIG_MCUMGR_TRANSPORT_UART_MTU: longer request packets are dropped (%s)"},
    {"serial-noise", OPT_UINT, FIELD(serial_noise_ms), 0, 3600000, "MS",
     "Console output on the same line: a log line every MS ms and between the frames of "
     "every other answer; 0 = none (%s)"},
    {"serial-unplug", OPT_UINT, FIELD(serial_unplug_ms), 1, 3600000, "MS",
     "After drop-link the port is away MS ms (a cable pulled and plugged back) (%s)"},
    {"serial-raw", OPT_SET, FIELD(serial_raw), 0, 0, NULL,
     "The raw UART transport (CONFIG_MCUMGR_TRANSPORT_RAW_UART): plain SMP packets, no frames"},
    {"serial-recovery", OPT_SET, FIELD(serial_recovery), 0, 0, NULL,
     "Start in MCUboot's serial recovery: boot_serial's commands only (echo, image list, upload "
     "to the primary slot, reset) until a reset boots the application"},
    {"serial-recovery-params", OPT_SET, FIELD(serial_recovery_params), 0, 0, NULL,
     "In serial recovery, answer os params (MCUBOOT_BOOT_MGMT_MCUMGR_PARAMS: 512 bytes, 1 buffer)"},
    {"serial-recovery-boot-mode", OPT_SET, FIELD(serial_recovery_boot_mode), 0, 0, NULL,
     "os reset with boot_mode 1 reboots into serial recovery (CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE, "
     "MCUboot's CONFIG_BOOT_SERIAL_BOOT_MODE)"},
};

static const gchar options_description[] =
    "Fault specs are KIND[:KEY=VALUE,...]; every kind takes device=K, count=N and boot=N:\n"
    "  drop-link:offset=N|after=N|p=P\n"
    "  drop-request:p=P|after=N|offset=N[,cmd=C]   (offset=: cmd=image.upload, with p=: each)\n"
    "  drop-response:p=P|after=N[,cmd=C]|cmd=image.upload,offset=N\n"
    "  delay-response:ms=M[,p=P][,after=N][,cmd=C][,offset=N]\n"
    "  busy:p=P|after=N|offset=N[,cmd=C]          duplicate-response:p=P\n"
    "  stuck-offset:offset=N (a buggy device: the upload never passes N)\n"
    "  slow:ms=M[,p=P][,after=N][,cmd=C][,offset=N] (the command holds the queue M ms more)\n"
    "  slow-erase:ms=M                    error:cmd=C,rc=N[,group=G][,offset=N]\n"
    "  corrupt-image[:image=N]            require:security=encrypt|authenticate\n"
    "  serial-crc:p=P|after=N[,cmd=C]     serial-base64:p=P|after=N[,cmd=C]   (--serial)\n"
    "Commands C: os.echo, os.reset, os.params, os.info, os.bootloader-info, image.state-read,\n"
    "image.state-write, image.upload, image.erase, image.slot-info.\n"
    "\n"
    "One line per device, one with the flash and link model, and then READY are printed on\n"
    "stdout once every transport listens. --capacity prints one JSON object instead: image_bytes,\n"
    "packet, data_per_packet, link_Bps, flash, erase_us, write_us, flash_Bps, progressive_erase,\n"
    "bound_us, capacity_Bps, limit (model time).\n"
    "SIGINT and SIGTERM stop the simulator; SIGHUP re-reads --fault-file. See dfud-sim(1).";

typedef struct {
	DfudSimOptions *options;
	gboolean link_on;
	gboolean link_off;
	gboolean ble;
} OptState;

static const OptSpec *
opt_find(const gchar *option_name)
{
	const gchar *name = option_name;

	while (*name == '-')
		name++;
	for (gsize i = 0; i < G_N_ELEMENTS(opt_specs); i++) {
		if (g_strcmp0(opt_specs[i].name, name) == 0)
			return &opt_specs[i];
	}
	return NULL;
}

static gboolean
opt_invalid(GError **error, const OptSpec *spec, const gchar *value, const gchar *why)
{
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "--%s '%s': %s", spec->name,
		    value != NULL ? value : "", why);
	return FALSE;
}

/* a parser's own message, which names the value already */
static gboolean
opt_wrap(GError **error, const OptSpec *spec, const GError *cause)
{
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "--%s: %s", spec->name,
		    cause->message);
	return FALSE;
}

/* decimal, 0x hex, or a decimal with a k/K suffix (KiB) */
static gboolean
opt_parse_number(const OptSpec *spec, const gchar *value, gboolean size, guint64 *out,
		 GError **error)
{
	g_autofree gchar *digits = g_strdup(value != NULL ? value : "");
	g_autofree gchar *why = NULL;
	guint64 multiplier = 1;
	guint64 number = 0;
	guint base = 10;
	gsize len = strlen(digits);
	const gchar *start = digits;

	if (size && len > 1 && (digits[len - 1] == 'k' || digits[len - 1] == 'K')) {
		digits[len - 1] = '\0';
		multiplier = 1024;
	} else if (size && g_str_has_prefix(digits, "0x")) {
		start = digits + 2;
		base = 16;
	}
	if (!g_ascii_string_to_unsigned(start, base, 0, G_MAXUINT64 / multiplier, &number, NULL))
		return opt_invalid(error, spec, value, "not a number");
	number *= multiplier;
	if (number < spec->min || number > spec->max) {
		why = g_strdup_printf("out of range (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
				      spec->min, spec->max);
		return opt_invalid(error, spec, value, why);
	}
	*out = number;
	return TRUE;
}

static gboolean
opt_special(OptState *state, const OptSpec *spec, const gchar *value, GError **error)
{
	DfudSimOptions *options = state->options;
	DfudSimConfig *config = options->config;
	g_autoptr(GError) local_error = NULL;

	if (g_strcmp0(spec->name, "udp") == 0) {
		g_autofree gchar *host = NULL;
		guint16 port = 0;

		if (!dfud_sim_udp_parse_host_port(value, &host, &port, &local_error))
			return opt_wrap(error, spec, local_error);
		g_free(config->udp_host);
		config->udp_host = g_steal_pointer(&host);
		config->udp_port = port;
		options->udp = TRUE;
	} else if (g_strcmp0(spec->name, "ble") == 0) {
		state->ble = TRUE;
	} else if (g_strcmp0(spec->name, "bootloader") == 0) {
		if (!dfud_sim_boot_mode_from_string(value, &config->boot_mode))
			return opt_invalid(error, spec, value, "unknown bootloader mode");
	} else if (g_strcmp0(spec->name, "link") == 0) {
		state->link_on = TRUE;
	} else if (g_strcmp0(spec->name, "no-link") == 0) {
		state->link_off = TRUE;
	} else if (g_strcmp0(spec->name, "link-phy") == 0) {
		if (!dfud_sim_link_phy_from_string(value, &config->link.phy))
			return opt_invalid(error, spec, value, "expected 1M, 2M or coded");
		state->link_on = TRUE;
	} else if (g_strcmp0(spec->name, "link-interval") == 0) {
		gchar *end = NULL;
		gdouble ms = g_ascii_strtod(value, &end);
		gdouble us;

		if (end == value || *end != '\0' || !(ms >= 7.5 && ms <= 4000.0))
			return opt_invalid(error, spec, value, "expected 7.5..4000 ms");
		us = ms * 1000.0;
		if (fabs(us - 1250.0 * round(us / 1250.0)) > 0.5)
			return opt_invalid(error, spec, value, "not a multiple of 1.25 ms");
		config->link.conn_interval_us = (guint)(1250.0 * round(us / 1250.0));
		state->link_on = TRUE;
	} else if (g_strcmp0(spec->name, "link-time-scale") == 0) {
		gchar *end = NULL;
		gdouble f = g_ascii_strtod(value, &end);

		if (end == value || *end != '\0' || !(f > 0.0 && f <= 1000.0))
			return opt_invalid(error, spec, value, "expected a number > 0, up to 1000");
		config->link.time_scale = f;
		state->link_on = TRUE;
	} else if (g_strcmp0(spec->name, "flash") == 0) {
		if (!dfud_sim_flash_preset(value, &config->flash))
			return opt_invalid(error, spec, value, "expected nrf52840 or nrf5340");
	} else if (g_strcmp0(spec->name, "capacity") == 0) {
		static const OptSpec bytes = {"capacity", OPT_SIZE, 0, 1, G_MAXUINT32, NULL, NULL};

		if (!opt_parse_number(&bytes, value, TRUE, &options->capacity_bytes, error))
			return FALSE;
	} else if (g_strcmp0(spec->name, "fault") == 0) {
		g_autoptr(DfudSimFault) fault = dfud_sim_fault_parse(value, &local_error);

		if (fault == NULL)
			return opt_wrap(error, spec, local_error);
		g_ptr_array_add(config->faults, g_steal_pointer(&fault));
		g_ptr_array_add(options->fault_specs, g_strdup(value));
	} else if (g_strcmp0(spec->name, "fault-file") == 0) {
		g_free(config->fault_file);
		config->fault_file = g_strdup(value);
	} else if (g_strcmp0(spec->name, "seed") == 0) {
		if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &config->seed, NULL))
			return opt_invalid(error, spec, value, "not a number");
	} else if (g_strcmp0(spec->name, "version") == 0) {
		options->show_version = TRUE;
	} else {
		g_assert_not_reached();
	}
	return TRUE;
}

static gboolean
opt_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
	OptState *state = data;
	DfudSimConfig *config = state->options->config;
	const OptSpec *spec = opt_find(option_name);
	gpointer field;
	guint64 number = 0;

	if (spec == NULL) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "unknown option %s",
			    option_name);
		return FALSE;
	}
	field = G_STRUCT_MEMBER_P(config, spec->offset);
	switch (spec->kind) {
	case OPT_STRING:
		if (value == NULL || value[0] == '\0')
			return opt_invalid(error, spec, value, "must not be empty");
		g_free(*(gchar **)field);
		*(gchar **)field = g_strdup(value);
		return TRUE;
	case OPT_UINT:
	case OPT_SIZE:
	case OPT_LINK:
		if (!opt_parse_number(spec, value, spec->kind == OPT_SIZE, &number, error))
			return FALSE;
		*(guint *)field = (guint)number;
		if (spec->kind == OPT_LINK)
			state->link_on = TRUE;
		return TRUE;
	case OPT_DOUBLE: {
		gchar *end = NULL;
		gdouble d = g_ascii_strtod(value, &end);

		if (end == value || *end != '\0' || !(d >= (gdouble)spec->min) ||
		    d > (gdouble)spec->max)
			return opt_invalid(error, spec, value, "not a number in range");
		*(gdouble *)field = d;
		return TRUE;
	}
	case OPT_SET:
		*(gboolean *)field = TRUE;
		return TRUE;
	case OPT_CLEAR:
		*(gboolean *)field = FALSE;
		return TRUE;
	case OPT_SPECIAL:
		return opt_special(state, spec, value, error);
	}
	return FALSE;
}

/* the default of a value option, as shown by --help */
static gchar *
opt_default(const OptSpec *spec, const DfudSimConfig *defaults)
{
	gconstpointer field = G_STRUCT_MEMBER_P(defaults, spec->offset);

	if (g_strcmp0(spec->name, "udp") == 0)
		return g_strdup_printf("%s:%u", defaults->udp_host, defaults->udp_port);
	if (g_strcmp0(spec->name, "bootloader") == 0)
		return g_strdup(dfud_sim_boot_mode_to_string(defaults->boot_mode));
	if (g_strcmp0(spec->name, "link-phy") == 0)
		return g_strdup(dfud_sim_link_phy_to_string(defaults->link.phy));
	if (g_strcmp0(spec->name, "link-interval") == 0)
		return g_strdup_printf("%g", defaults->link.conn_interval_us / 1000.0);
	if (g_strcmp0(spec->name, "link-time-scale") == 0)
		return g_strdup_printf("%g", defaults->link.time_scale);
	if (g_strcmp0(spec->name, "flash") == 0)
		return g_strdup(defaults->flash.name);
	if (g_strcmp0(spec->name, "seed") == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT, defaults->seed);
	switch (spec->kind) {
	case OPT_STRING:
		return g_strdup(*(gchar *const *)field != NULL ? *(gchar *const *)field : "none");
	case OPT_UINT:
	case OPT_LINK:
		return g_strdup_printf("%u", *(const guint *)field);
	case OPT_SIZE:
		return g_strdup_printf("0x%x", *(const guint *)field);
	case OPT_DOUBLE:
		return g_strdup_printf("%g", *(const gdouble *)field);
	default:
		return g_strdup("");
	}
}

static GOptionEntry *
opt_entries(const DfudSimConfig *defaults, GPtrArray *strings)
{
	GOptionEntry *entries = g_new0(GOptionEntry, G_N_ELEMENTS(opt_specs) + 1);

	for (gsize i = 0; i < G_N_ELEMENTS(opt_specs); i++) {
		const OptSpec *spec = &opt_specs[i];
		gchar *help = g_strdup(spec->help);

		if (strstr(help, "%s") != NULL) {
			g_autofree gchar *value = opt_default(spec, defaults);
			gchar **parts = g_strsplit(help, "%s", 2);

			g_free(help);
			help = g_strconcat(parts[0], "default: ", value, parts[1], NULL);
			g_strfreev(parts);
		}
		g_ptr_array_add(strings, help);
		entries[i].long_name = spec->name;
		entries[i].arg = G_OPTION_ARG_CALLBACK;
		entries[i].arg_data = (gpointer)opt_cb;
		entries[i].description = help;
		entries[i].arg_description = spec->arg;
		if (spec->arg == NULL)
			entries[i].flags = G_OPTION_FLAG_NO_ARG;
	}
	return entries;
}

/* what the options imply together */
static gboolean
opt_finish(OptState *state, GError **error)
{
	DfudSimOptions *options = state->options;
	DfudSimConfig *config = options->config;
	g_autoptr(GPtrArray) file_faults = NULL;

	config->ble = state->ble;
	if (!state->ble && !config->serial)
		options->udp = TRUE;
	config->link.enabled = (state->ble || state->link_on) && !state->link_off;
	if (options->udp && config->udp_port != 0 &&
	    (guint64)config->udp_port + config->count - 1 > G_MAXUINT16) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "--udp port %u + --count %u runs past port 65535", config->udp_port,
			    config->count);
		return FALSE;
	}
	if (config->fault_file != NULL) {
		file_faults = dfud_sim_fault_parse_file(config->fault_file, error);
		if (file_faults == NULL) {
			g_prefix_error(error, "--fault-file: ");
			return FALSE;
		}
		g_ptr_array_extend_and_steal(config->faults, g_steal_pointer(&file_faults));
	}
	return TRUE;
}

DfudSimOptions *
dfud_sim_options_parse(gint argc, gchar **argv, GError **error)
{
	g_autoptr(DfudSimOptions) options = g_new0(DfudSimOptions, 1);
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local_error = NULL;
	g_autofree GOptionEntry *entries = NULL;
	g_auto(GStrv) args = NULL;
	OptState state = {0};
	GOptionGroup *group;

	options->config = dfud_sim_config_new();
	options->fault_specs = g_ptr_array_new_with_free_func(g_free);
	state.options = options;

	entries = opt_entries(options->config, strings);
	context = g_option_context_new("- simulate Zephyr/MCUboot devices speaking SMP");
	g_option_context_set_description(context, options_description);
	group = g_option_group_new("dfud-sim", "dfud-sim options", "Show the dfud-sim options",
				   &state, NULL);
	g_option_group_add_entries(group, entries);
	g_option_context_set_main_group(context, group);

	/* parse a copy: GOptionContext rearranges the vector it is given */
	args = g_new0(gchar *, argc + 1);
	for (gint i = 0; i < argc; i++)
		args[i] = g_strdup(argv[i]);
	if (!g_option_context_parse_strv(context, &args, &local_error)) {
		if (local_error->domain == DFUD_ERROR)
			g_propagate_error(error, g_steal_pointer(&local_error));
		else
			g_set_error_literal(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
					    local_error->message);
		return NULL;
	}
	if (g_strv_length(args) > 1) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "unexpected argument '%s'", args[1]);
		return NULL;
	}
	if (options->show_version)
		return g_steal_pointer(&options);
	if (!opt_finish(&state, error))
		return NULL;
	return g_steal_pointer(&options);
}

void
dfud_sim_options_free(DfudSimOptions *self)
{
	if (self == NULL)
		return;
	dfud_sim_config_free(self->config);
	if (self->fault_specs != NULL)
		g_ptr_array_unref(self->fault_specs);
	g_free(self);
}

GPtrArray *
dfud_sim_options_load_faults(const DfudSimOptions *self, GError **error)
{
	g_autoptr(GPtrArray) faults = NULL;
	g_autoptr(GPtrArray) file_faults = NULL;

	g_return_val_if_fail(self != NULL, NULL);
	faults = g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_fault_free);
	for (guint i = 0; i < self->fault_specs->len; i++) {
		DfudSimFault *fault = dfud_sim_fault_parse(self->fault_specs->pdata[i], error);

		if (fault == NULL)
			return NULL;
		g_ptr_array_add(faults, fault);
	}
	if (self->config->fault_file != NULL) {
		file_faults = dfud_sim_fault_parse_file(self->config->fault_file, error);
		if (file_faults == NULL)
			return NULL;
		g_ptr_array_extend_and_steal(faults, g_steal_pointer(&file_faults));
	}
	return g_steal_pointer(&faults);
}
