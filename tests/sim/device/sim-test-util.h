/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>
#include <glib.h>

#include "device/dfud-sim-device.h"
#include "smp/dfud-smp-cbor-check.h"
#include "smp/dfud-smp-cbor-writer.h"

G_BEGIN_DECLS

/* one device on a temporary state directory, one session, responses collected in order */
typedef struct {
	gchar *root;
	gchar *log_path;
	DfudSimConfig *config;
	DfudSimLog *log;
	DfudSimDevice *device;
	DfudSimSession *session;
	GPtrArray *responses; /* GBytes */
	guint drop_links;
	guint seq;
} SimFx;

/* config defaults for tests: time_scale 0, reset delay 0, state dir in a new temporary directory
 */
SimFx *sim_fx_new_config(void);
/* the same with MCUboot @mode and the file @slot0 of tests/data running */
SimFx *sim_fx_new_mode(DfudSimBootMode mode, const gchar *slot0);
/* creates the device (and a session) from fx->config */
void sim_fx_start(SimFx *fx);
/* a new DfudSimDevice on the same state directory (a simulator restart) */
void sim_fx_restart(SimFx *fx);
void sim_fx_free(SimFx *fx);
void sim_fx_iterate(SimFx *fx, guint ms);
/* sends @frame and waits for the next response (NULL when none came within 3 s) */
GBytes *sim_fx_call(SimFx *fx, GBytes *frame);
/* the same with raw bytes */
GBytes *sim_fx_call_raw(SimFx *fx, const void *data, gsize len);
/* sends @frame, waits @ms, returns whether a response came */
void sim_fx_send(SimFx *fx, GBytes *frame);
/* resets the device (os reset) and waits until it runs again */
void sim_fx_reset(SimFx *fx);
/* the same with a request body of its own (e.g. {"boot_mode": 1}) */
void sim_fx_reset_body(SimFx *fx, const guint8 *body, gsize len);
/* frame = header + body; seq from fx */
GBytes *sim_frame(SimFx *fx, guint ver, guint op, guint group, guint id, const guint8 *body,
		  gsize len);
/* the body of a response (checks header mirrors group/id), as a CBOR map */
cbor_item_t *sim_body(GBytes *frame);
/* convenience: an exact CBOR key value */
gint64 sim_get_int(const cbor_item_t *map, const gchar *key);
gboolean sim_has(const cbor_item_t *map, const gchar *key);
gboolean sim_get_bool(const cbor_item_t *map, const gchar *key);
/* asserts the body is exactly {"rc": N} */
void sim_assert_rc(GBytes *frame, gint64 rc);
/* asserts the body is {"err": {"group": G, "rc": N}} with an optional "rsn" */
void sim_assert_err(GBytes *frame, guint group, guint rc);
GBytes *sim_read_file(const gchar *name);
GBytes *sim_sha256(GBytes *data);
/* the hash-only image @name of tests/data with another header version ("1.2.3+4"), flags and
 * load address, its SHA-256 TLV recomputed; @hash_hex: that hash in hex */
GBytes *sim_restamp(const gchar *name, const gchar *version, guint32 flags, guint32 load_addr,
		    gchar **hash_hex);
/* one upload request body */
GBytes *sim_upload_frame(SimFx *fx, guint ver, guint image, guint64 off, const guint8 *data,
			 gsize len, gint64 total, GBytes *sha, gboolean upgrade);
/* uploads a whole file (image @image) in chunks, asserting each offset and the final match */
void sim_upload(SimFx *fx, guint image, GBytes *file);
/* the same with the file @name of tests/data, image 0 */
void sim_upload_name(SimFx *fx, const gchar *name);
/* image state: marks @hash (test or confirm); returns the response */
GBytes *sim_state_write(SimFx *fx, guint ver, GBytes *hash, gboolean has_confirm, gboolean confirm);
GBytes *sim_state_read(SimFx *fx);
/* the "images" entry of image state for (image, slot), NULL if not listed */
const cbor_item_t *sim_state_entry(const cbor_item_t *state, guint image, guint slot);
GBytes *sim_hex(const gchar *hex);
/* image state of image 0: per slot its hash (NULL: not listed) and flags "PCAM" (pending
 * confirmed active permanent, '-' = false) */
void sim_assert_state(SimFx *fx, const gchar *hash0, const gchar *flags0, const gchar *hash1,
		      const gchar *flags1);
/* marks the slot holding @hash for test (or confirm); the answer must be the state */
void sim_mark(SimFx *fx, const gchar *hash, gboolean confirm);
/* parses the fault @spec: valid when @error_part is NULL, else refused with a message holding
 * @error_part (NULL returned) */
DfudSimFault *sim_parse_fault(const gchar *spec, const gchar *error_part);
/* adds the fault @spec to fx->config (before sim_fx_start()) */
void sim_fx_add_fault(SimFx *fx, const gchar *spec);
/* asserts the body is exactly {@key: @text} (an echo's "r", OS info's "output") */
void sim_assert_text(GBytes *frame, const gchar *key, const gchar *text);
/* the event log's lines of @event, parsed (element-type JsonObject) */
GPtrArray *sim_log_events(SimFx *fx, const gchar *event);
/* the action of MCUboot's last boot decision (the log's last "boot" event but "done"), and
 * its reason ("" for none) in *@reason unless NULL */
gchar *sim_last_boot(SimFx *fx, gchar **reason);

G_END_DECLS
