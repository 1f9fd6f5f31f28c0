/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Updates over a serial port: the engine and the serial transport against dfud-sim --serial on
 * a pseudo-terminal (spec §6.2), through the link the simulator keeps to its current PTY.
 */
#define G_LOG_DOMAIN "DfudEngineTest"

#include "config.h"

#include <string.h>

#include "engine-sim.h"

#define DATA(name) TEST_DATA_DIR "/" name

/* the 60k image over a simulator started with @ap; @recovery: options.recovery; @last: the
 * last progress (may be NULL) */
static EngineSim *
serial_updatev(GError **error, gboolean recovery, DfudUpdateProgress *last,
	       const gchar *uri_options, const gchar *first, va_list ap)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	g_autoptr(DfudPackage) package = engine_load_package("hashonly_60k_v2.0.0.bin");
	g_autofree gchar *uri = NULL;
	DfudUpdateProgress progress;
	DfudUpdateOptions options;
	EngineSim *sim;

	g_ptr_array_add(args, (gpointer) "--serial");
	g_ptr_array_add(args, (gpointer) "--slot0");
	g_ptr_array_add(args, (gpointer)DATA("hashonly_1k_v1.2.3+4.bin"));
	g_ptr_array_add(args, (gpointer) "--time-scale=0");
	for (const gchar *a = first; a != NULL; a = va_arg(ap, const gchar *))
		g_ptr_array_add(args, (gpointer)a);
	g_ptr_array_add(args, NULL);
	sim = engine_sim_startv((const gchar *const *)args->pdata);
	engine_test_options(&options);
	options.recovery = recovery;
	uri = g_strconcat(sim->serial_uri, uri_options, NULL);
	*error = engine_run_update_full(uri, package, &options, last != NULL ? last : &progress);
	engine_sim_stop(sim);
	return sim;
}

/* the 60k image over a simulator started with the NULL-terminated @first and what follows */
static EngineSim *
serial_update(GError **error, const gchar *uri_options, const gchar *first, ...)
{
	EngineSim *sim;
	va_list ap;

	va_start(ap, first);
	sim = serial_updatev(error, FALSE, NULL, uri_options, first, ap);
	va_end(ap);
	return sim;
}

/* idem with options.recovery */
static EngineSim *
recovery_update(GError **error, DfudUpdateProgress *last, const gchar *first, ...)
{
	EngineSim *sim;
	va_list ap;

	va_start(ap, first);
	sim = serial_updatev(error, TRUE, last, "", first, ap);
	va_end(ap);
	return sim;
}

/* the device's upload offset never went back: a reconnect resumed where it was (a first chunk
 * with the same sha is answered with the offset reached, spec §4.3), nothing started over */
static void
assert_resumed(EngineSim *sim)
{
	gint64 last = 0;
	guint answers = 0;

	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);
		JsonObject *body;
		gint64 off;

		if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""),
			      "response") != 0 ||
		    g_strcmp0(json_object_get_string_member_with_default(o, "command", ""),
			      "image upload") != 0 ||
		    !json_object_has_member(o, "body"))
			continue;
		body = json_object_get_object_member(o, "body");
		off = json_object_get_int_member_with_default(body, "off", -1);
		g_assert_cmpint(off, >=, last);
		last = off;
		answers++;
	}
	g_assert_cmpuint(answers, >, 0);
	g_assert_cmpint(last, ==, 61992);
}

static guint
count_log(EngineSim *sim, const gchar *event, const gchar *key, const gchar *value)
{
	guint n = 0;

	for (guint i = 0; i < sim->log->len; i++) {
		JsonObject *o = g_ptr_array_index(sim->log, i);

		if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""), event) ==
			0 &&
		    g_strcmp0(json_object_get_string_member_with_default(o, key, ""), value) == 0)
			n++;
	}
	return n;
}

/*
 * A full update, verified after the reset: one request at a time although the device's params
 * offer 4 buffers, packets within the UART MTU less length and CRC; the reset closed the PTY
 * (its USB device re-enumerates) and the engine found the new one through the link
 */
static void
test_serial_update(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "", NULL);
	g_autoptr(GArray) sizes = engine_sim_upload_sizes(sim);

	g_assert_no_error(error);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	g_assert_cmpuint(engine_sim_max_in_flight(sim), ==, 1);
	g_assert_cmpuint(sizes->len, >, 200);
	for (guint i = 0; i < sizes->len; i++)
		g_assert_cmpuint(g_array_index(sizes, guint, i), <=, 256 - 4);
	g_assert_cmpuint(count_log(sim, "serial", "state", "away (reset)"), ==, 1);
	g_assert_cmpuint(engine_sim_count_events(sim, "serial"), >=, 3);
}

/* the device's UART MTU set lower: ?mtu= on the URI sizes the packets to it */
static void
test_serial_mtu(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "?mtu=128", "--serial-mtu=128", NULL);
	g_autoptr(GArray) sizes = engine_sim_upload_sizes(sim);

	g_assert_no_error(error);
	for (guint i = 0; i < sizes->len; i++)
		g_assert_cmpuint(g_array_index(sizes, guint, i), <=, 128 - 4);
	g_assert_cmpuint(engine_sim_count_events(sim, "drop"), ==, 0);
}

/* log lines and prompts on the same line, also between the frames of an answer */
static void
test_serial_noise(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "", "--serial-noise=3", NULL);

	g_assert_no_error(error);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* answers spoilt on the line (a bad CRC, a byte outside Base64) are dropped and asked again */
static void
test_serial_bad_frames(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(
	    &error, "", "--fault", "serial-crc:after=20", "--fault", "serial-base64:after=40",
	    "--fault", "serial-crc:cmd=image.state-read,p=1,count=1", NULL);

	g_assert_no_error(error);
	g_assert_cmpuint(count_log(sim, "fault", "fault", "serial-crc"), ==, 2);
	g_assert_cmpuint(count_log(sim, "fault", "fault", "serial-base64"), ==, 1);
	assert_resumed(sim);
}

/* the cable pulled mid-upload and plugged back: the upload resumes where the device is */
static void
test_serial_unplug(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "", "--fault", "drop-link:offset=30000",
						 "--serial-unplug=700", NULL);

	g_assert_no_error(error);
	g_assert_cmpuint(count_log(sim, "serial", "state", "away (unplugged)"), ==, 1);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	assert_resumed(sim);
}

/* MCUboot refuses the new image at boot: the old one runs again, reported as Reverted */
static void
test_serial_reverted(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "", "--fault", "corrupt-image", NULL);

	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_REVERTED);
	/* one reset: the verdict comes from the rebooted device, not from a second try */
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
}

/* the raw UART transport on both ends: plain SMP packets, packets up to the MTU itself */
static void
test_serial_raw(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "?framing=raw", "--serial-raw", NULL);
	g_autoptr(GArray) sizes = engine_sim_upload_sizes(sim);

	g_assert_no_error(error);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	for (guint i = 0; i < sizes->len; i++)
		g_assert_cmpuint(g_array_index(sizes, guint, i), <=, 256);
	g_assert_cmpuint(engine_sim_count_events(sim, "drop"), ==, 0);
}

/* --- MCUboot's serial recovery (boot_serial, mcu-tools/mcuboot @ 01562f5d) --- */

/* the simulator's own slot 0 (its flash file) starts with @name's bytes */
static gboolean
sim_slot0_holds(EngineSim *sim, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(sim->dir, "dev0", "image0-slot0.bin", NULL);
	g_autofree gchar *flash = NULL;
	g_autofree gchar *image = NULL;
	gsize flash_len = 0, image_len = 0;

	g_assert_true(g_file_get_contents(path, &flash, &flash_len, NULL));
	g_assert_true(g_file_get_contents(name, &image, &image_len, NULL));
	return flash_len >= image_len && memcmp(flash, image, image_len) == 0;
}

/* in recovery without the recovery option: refused before a byte is written, the error says
 * how to go on; the device keeps its image */
static void
test_recovery_refused(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = serial_update(&error, "", "--serial-recovery", NULL);

	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_RECOVERY_NEEDED);
	g_assert_nonnull(strstr(error->message, "--recovery"));
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_1k_v1.2.3+4.bin")));
}

/*
 * --recovery: the plan says serial recovery (slot 0, no test, permanent), the upload goes to
 * boot_serial's primary slot, its image list shows the hash, the reset boots it, and the
 * application reports it active in slot 0; nothing to mark (boot_serial has no state write)
 */
static void
test_recovery_update(void)
{
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last;
	g_autoptr(EngineSim) sim = recovery_update(&error, &last, "--serial-recovery", NULL);

	g_assert_no_error(error);
	g_assert_true(last.planned);
	g_assert_cmpint(last.steps.strategy, ==, DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY);
	g_assert_cmpint(last.steps.outcome, ==, DFUD_UPDATE_OUTCOME_PERMANENT);
	g_assert_false(last.steps.enter_loader);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 1);
	g_assert_cmpint(last.steps.mark, ==, DFUD_UPDATE_MARK_NONE);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), >, 200);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_60k_v2.0.0.bin")));
}

/* an image larger than the primary slot: boot_serial answers the first chunk rc 3 before it
 * erases (bs_upload(): len checked against the area first); the old image stays */
static void
test_recovery_too_large(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim =
	    recovery_update(&error, NULL, "--serial-recovery", "--slot-size=32768", NULL);

	g_assert_nonnull(error);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_1k_v1.2.3+4.bin")));
}

/*
 * The cable pulled mid-upload: boot_serial keeps no sha, and a chunk at offset 0 erases the
 * slot and starts over, but it keeps its expected offset while it runs and answers a chunk at
 * another with it (bs_upload()): the upload goes on from the offset reached, one erase only
 */
static void
test_recovery_interrupted(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim =
	    recovery_update(&error, NULL, "--serial-recovery", "--fault", "drop-link:offset=30000",
			    "--serial-unplug=700", NULL);
	g_autoptr(GArray) offsets = engine_sim_upload_offsets(sim);
	guint zeros = 0;

	g_assert_no_error(error);
	for (guint i = 0; i < offsets->len; i++)
		zeros += g_array_index(offsets, gint64, i) == 0;
	g_assert_cmpuint(zeros, ==, 1);
	assert_resumed(sim);
	g_assert_cmpuint(count_log(sim, "serial", "state", "away (unplugged)"), ==, 1);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_60k_v2.0.0.bin")));
}

/* the image damaged as written: boot_serial's list (valid images only) lacks it, and the
 * device is not reset into an image that cannot boot; it stays in recovery */
static void
test_recovery_bad_write(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim =
	    recovery_update(&error, NULL, "--serial-recovery", "--fault", "corrupt-image", NULL);

	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_DEVICE);
	g_assert_nonnull(strstr(error->message, "not resetting"));
	g_assert_cmpuint(count_log(sim, "fault", "fault", "corrupt-image"), ==, 1);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 0);
}

/* --recovery on a running application that enters recovery on os reset boot_mode 1 */
static void
test_recovery_enter(void)
{
	g_autoptr(GError) error = NULL;
	DfudUpdateProgress last;
	g_autoptr(EngineSim) sim =
	    recovery_update(&error, &last, "--serial-recovery-boot-mode", NULL);

	g_assert_no_error(error);
	g_assert_true(last.steps.enter_loader);
	g_assert_cmpint(last.steps.strategy, ==, DFUD_UPDATE_STRATEGY_SERIAL_RECOVERY);
	g_assert_cmpuint(engine_sim_count_requests(sim, "os reset"), ==, 2);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_60k_v2.0.0.bin")));
}

/* --recovery on an application that ignores boot_mode: it comes back as itself; named error,
 * nothing written */
static void
test_recovery_not_entered(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EngineSim) sim = recovery_update(&error, NULL, NULL);

	g_assert_error(error, DFUD_ERROR, DFUD_ERROR_RECOVERY_NOT_ENTERED);
	g_assert_cmpuint(engine_sim_count_requests(sim, "image upload"), ==, 0);
	g_assert_true(sim_slot0_holds(sim, DATA("hashonly_1k_v1.2.3+4.bin")));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/engine/serial/update", test_serial_update);
	g_test_add_func("/engine/serial/mtu", test_serial_mtu);
	g_test_add_func("/engine/serial/noise", test_serial_noise);
	g_test_add_func("/engine/serial/bad-frames", test_serial_bad_frames);
	g_test_add_func("/engine/serial/unplug", test_serial_unplug);
	g_test_add_func("/engine/serial/reverted", test_serial_reverted);
	g_test_add_func("/engine/serial/recovery-refused", test_recovery_refused);
	g_test_add_func("/engine/serial/recovery-update", test_recovery_update);
	g_test_add_func("/engine/serial/recovery-too-large", test_recovery_too_large);
	g_test_add_func("/engine/serial/recovery-interrupted", test_recovery_interrupted);
	g_test_add_func("/engine/serial/recovery-enter", test_recovery_enter);
	g_test_add_func("/engine/serial/recovery-bad-write", test_recovery_bad_write);
	g_test_add_func("/engine/serial/recovery-not-entered", test_recovery_not_entered);
	g_test_add_func("/engine/serial/raw", test_serial_raw);
	return g_test_run();
}
