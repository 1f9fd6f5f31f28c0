/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Fault injection. A spec is KIND[:KEY=VALUE[,KEY=VALUE]...]; every kind takes device=K (only
 * device K of --count N; default all), count=N (fire at most N times; default 1 for the
 * triggers offset= and after= without p=, unlimited otherwise) and boot=N (only during the
 * device's N-th boot since dfud-sim started: 0 until its first reset, 1 after it). Random
 * choices come from --seed, so a run repeats exactly.
 *
 *   drop-link:offset=N          drop the link when an upload chunk reaches offset N
 *   drop-link:after=N           drop the link after the N-th request of the session
 *   drop-link:p=P               drop the link with probability P per request
 *   drop-request:p=P|after=N|offset=N[,cmd=C]
 *                               lose a request (no response), as a full buffer would;
 *                               offset=N (cmd=image.upload): upload chunks at offset >= N,
 *                               with p= each such chunk (p=1: every one)
 *   drop-response:p=P|after=N[,cmd=C]
 *                               process the request, never send its response
 *   drop-response:cmd=image.upload,offset=N
 *                               the same for the upload answer that reports off >= N
 *                               (offset=LEN: the device completed the upload, its answer is lost)
 *   delay-response:ms=M[,p=P][,after=N][,cmd=C][,offset=N]
 *                               send the response M ms late; offset= as for drop-response
 *   duplicate-response:p=P      send the response twice
 *   busy:p=P|after=N|offset=N[,cmd=C]
 *                               answer rc 10 (MGMT_ERR_EBUSY) instead of running the command;
 *                               offset= as for drop-request
 *   stuck-offset:offset=N       misbehaviour: the upload never passes offset N, every chunk
 *                               reaching beyond it is written up to N only and answered off N
 *   slow:ms=M[,p=P][,after=N][,cmd=C][,offset=N]
 *                               the command takes M ms more (not scaled by --time-scale): the
 *                               work queue takes no other request meanwhile; offset= as for
 *                               drop-request
 *   slow-erase:ms=M             the erase of a first upload chunk takes M ms
 *   error:cmd=C,rc=N[,group=G][,offset=N]
 *                               answer the command C (e.g. image.upload, image.state-write,
 *                               os.reset) with rc N (group G: v2 err{G,N}, translated for v1);
 *                               offset=N only for upload chunks at offset >= N
 *   corrupt-image[:image=N]     corrupt the candidate image in the secondary slot when the
 *                               device resets: MCUboot refuses to boot it, the old one runs
 *   require:security=encrypt|authenticate
 *                               the SMP characteristic needs an encrypted or an authenticated
 *                               (MITM) link (BLE only)
 *   serial-crc:p=P|after=N[,cmd=C]
 *                               (--serial) send the response with a wrong CRC-16: the client
 *                               must drop it (spec §6.2), as a line error would make it
 *   serial-base64:p=P|after=N[,cmd=C]
 *                               (--serial) a byte outside Base64 in the response's first frame
 * Commands C are GROUP.NAME: os.echo, os.reset, os.params, os.info, os.bootloader-info,
 * image.state-read, image.state-write, image.upload, image.erase, image.slot-info.
 */
typedef enum {
	DFUD_SIM_FAULT_DROP_LINK,
	DFUD_SIM_FAULT_DROP_REQUEST,
	DFUD_SIM_FAULT_DROP_RESPONSE,
	DFUD_SIM_FAULT_DELAY_RESPONSE,
	DFUD_SIM_FAULT_DUPLICATE_RESPONSE,
	DFUD_SIM_FAULT_BUSY,
	DFUD_SIM_FAULT_SLOW_ERASE,
	DFUD_SIM_FAULT_ERROR,
	DFUD_SIM_FAULT_CORRUPT_IMAGE,
	DFUD_SIM_FAULT_REQUIRE_SECURITY,
	DFUD_SIM_FAULT_STUCK_OFFSET,
	DFUD_SIM_FAULT_SLOW,
	DFUD_SIM_FAULT_SERIAL_CRC,
	DFUD_SIM_FAULT_SERIAL_BASE64,
} DfudSimFaultKind;

typedef enum {
	DFUD_SIM_SECURITY_NONE,
	DFUD_SIM_SECURITY_ENCRYPT,
	DFUD_SIM_SECURITY_AUTHENTICATE,
} DfudSimSecurity;

typedef struct {
	DfudSimFaultKind kind;
	gchar *spec;	       /* as given, for the log */
	gint device;	       /* -1: every device */
	gint64 count;	       /* remaining firings, -1 unlimited */
	gdouble p;	       /* 0 when not random */
	gint64 after;	       /* -1 when unset */
	gint64 offset;	       /* -1 when unset */
	guint ms;
	guint16 cmd_group;     /* with has_cmd */
	guint8 cmd_id;
	gboolean has_cmd;
	gint rc;
	gint group;	       /* -1: a generic rc */
	gint image;	       /* -1: any */
	gint64 boot;	       /* -1: any boot */
	DfudSimSecurity security;
} DfudSimFault;

DfudSimFault *
dfud_sim_fault_parse(const gchar *spec, GError **error);
void
dfud_sim_fault_free(DfudSimFault *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimFault, dfud_sim_fault_free)
/* one spec per line, '#' comments and blank lines allowed */
GPtrArray *
dfud_sim_fault_parse_file(const gchar *path, GError **error);
const gchar *
dfud_sim_fault_kind_to_string(DfudSimFaultKind kind);
const gchar *
dfud_sim_security_to_string(DfudSimSecurity security);

G_END_DECLS
