/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <cbor.h>

#include "dfud-sim-device.h"
#include "dfud-sim-flash.h"
#include "dfud-sim-state.h"
#include "image/dfud-image.h"
#include "link/dfud-sim-link.h"
#include "smp/dfud-smp-cbor-writer.h"
#include "smp/dfud-smp-header.h"

G_BEGIN_DECLS

/* the RAM upload state of Zephyr's image group: one per device, lost on reset */
typedef struct {
	gboolean active;
	guint image;
	guint slot;
	guint64 off;
	guint64 len;
	guint8 sha[32];
	gsize sha_len;
	guint64 erased_to; /* progressive erase: sectors below this are erased */
} DfudSimUpload;

/* what a slot holds, cached per flash generation */
typedef struct {
	gboolean valid_cache;
	guint64 generation;
	DfudImage *image; /* NULL: no parsable image with the hash TLV */
	GBytes *hash;	  /* the hash TLV the image group reports */
} DfudSimSlotInfo;

struct _DfudSimDevice {
	GObject parent_instance;
	const DfudSimConfig *config;
	guint index;
	DfudSimLog *log;
	gchar *dir;
	gchar *state_path;
	DfudSimFlash *flash;
	DfudSimBootState boot;
	DfudSimSlotInfo slots[DFUD_SIM_MAX_IMAGES][2];
	DfudPublicKey *key;
	GBytes *s_hash[2]; /* NSIB: image hashes of the S0 and S1 MCUboot builds */
	GRand *rand;
	GPtrArray *faults; /* element-type DfudSimFault, this device's copies */
	gboolean running;
	GList *sessions;
	GQueue queue; /* DfudSimRequest, waiting for the work queue */
	gboolean busy;
	guint bufs_in_use;
	guint release_timer; /* dfud_sim_timer: the last answer's buffers, --buf-release-us */
	guint release_bufs;  /* the buffers it frees */
	DfudSimUpload upload;
	/* --serial-recovery: MCUboot's boot_serial answers (dfud-sim-recovery.c) until a reset
	 * made from it boots the application */
	gboolean recovery;
	gboolean recovery_leaving;
	gboolean recovery_entering; /* os reset boot_mode 1 with --serial-recovery-boot-mode */
	guint64 recovery_off; /* boot_serial's curr_off and img_size */
	guint64 recovery_len;
	guint reset_source;
	guint64 boots;	       /* reboots since the start (a fault's boot=) */
	gboolean enter_loader; /* firmware-loader: the next boot runs the loader (boot_mode 1) */
	guint running_source;
	struct _DfudSimWork *current; /* the request on the work queue */
};

struct _DfudSimSession {
	DfudSimDevice *device;
	gchar *peer;
	DfudSimSendFunc send;
	gpointer user_data;
	DfudSimLink *link;
	guint64 n_requests;
	GList *timers; /* DfudSimTimer in flight for this session */
};

/* an error answer: group -1 = generic {"rc": N}; otherwise a group error */
typedef struct {
	gint rc;
	gint group;
	const gchar *rsn;
} DfudSimStatus;

#define DFUD_SIM_OK ((DfudSimStatus){0, -1, NULL})
#define DFUD_SIM_RC(n) ((DfudSimStatus){(n), -1, NULL})

/* a response body under construction: the pairs of a definite map, counted */
typedef struct {
	guint8 *buf;
	DfudSmpCborWriter w;
	gsize n_pairs;
} DfudSimReply;

/* one request being handled */
typedef struct {
	DfudSimDevice *device;
	DfudSimSession *session;
	DfudSmpHeader hdr;
	cbor_item_t *body; /* the request map, NULL when the body is not a valid map */
	DfudSimReply reply;
	gint64 flash_us; /* flash time spent, before time_scale */
	gint64 slow_us;	 /* the fault slow: more time, not scaled */
	gboolean reset;	 /* reboot after the response */
	gboolean drop_link;
	gboolean no_response;
} DfudSimCtx;

/* dfud-sim-reply.c */
void dfud_sim_reply_init(DfudSimReply *r, gsize capacity);
void dfud_sim_reply_clear(DfudSimReply *r);
void dfud_sim_reply_reset(DfudSimReply *r);
/* writes a key and counts a pair: the caller writes the value */
DfudSmpCborWriter *dfud_sim_reply_key(DfudSimReply *r, const gchar *key);
/* the map: NULL when it overflowed the buffer */
GBytes *dfud_sim_reply_finish(DfudSimReply *r);

/* what handling one packet produced */
typedef struct {
	GPtrArray *frames; /* GBytes: the responses, one per message answered, in order */
	gint64 flash_us;   /* flash time spent, before time_scale */
	gint64 slow_us;	   /* the fault slow: more time, not scaled */
	gboolean reset;	   /* reboot after the responses */
	gboolean drop_link;
} DfudSimResult;

/*
 * dfud-sim-dispatch.c: handles one complete SMP packet, its messages in order up to the first
 * SMP-level error (spec §1.4); a packet shorter than a header gets no response.
 */
/* @rsp_buffer: a response buffer was free (else the answer is {"rc": 2}, smp.c) */
void dfud_sim_dispatch(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet,
		       gsize len, gboolean rsp_buffer, DfudSimResult *result);
void dfud_sim_result_clear(DfudSimResult *result);
gboolean dfud_sim_ctx_decode_failed(DfudSimCtx *ctx);

/* dfud-sim-recovery.c: a request to MCUboot in serial recovery */
DfudSimStatus dfud_sim_recovery_handle(DfudSimCtx *ctx);

/* dfud-sim-os-group.c */
DfudSimStatus dfud_sim_os_handle(DfudSimCtx *ctx, gboolean *found);

/* dfud-sim-img-group.c */
DfudSimStatus dfud_sim_img_handle(DfudSimCtx *ctx, gboolean *found);
const DfudSimSlotInfo *dfud_sim_device_slot(DfudSimDevice *self, guint image, guint slot);
void dfud_sim_device_write_state(DfudSimCtx *ctx);
gboolean dfud_sim_device_slot_in_use(DfudSimDevice *self, guint image, guint slot);

/* dfud-sim-upload.c */
DfudSimStatus dfud_sim_upload_handle(DfudSimCtx *ctx);
DfudSimStatus dfud_sim_erase_handle(DfudSimCtx *ctx);
void dfud_sim_upload_clear(DfudSimDevice *self);

/* dfud-sim-mcuboot.c */
/* parses the image in a slot (hash TLV of the configured type required) */
void dfud_sim_mcuboot_inspect(DfudSimDevice *self, guint image, guint slot, DfudSimSlotInfo *info);
/* the boot decision on reset; returns the flash time it spent (us, unscaled) */
gint64 dfud_sim_mcuboot_boot(DfudSimDevice *self);
/* why MCUboot refuses the image in @slot (hash, signature), NULL when it is valid */
gchar *dfud_sim_mcuboot_validate(DfudSimDevice *self, guint image, guint slot);
/* the corrupt-image fault: damages the image in @slot when it fires */
void dfud_sim_mcuboot_corrupt_if_asked(DfudSimDevice *self, guint image, guint slot);
gboolean dfud_sim_mcuboot_install(DfudSimDevice *self, guint image, const gchar *path,
				  GError **error);
gboolean dfud_sim_mcuboot_load_nsib(DfudSimDevice *self, GError **error);

/* dfud-sim-device.c */
void dfud_sim_device_save(DfudSimDevice *self);
void dfud_sim_device_log(DfudSimDevice *self, const gchar *event, JsonObject *fields);
gint64 dfud_sim_device_erase_us(DfudSimDevice *self, guint64 sectors);
/* where a fault is looked for; drop-link has one trigger per phase */
typedef enum {
	DFUD_SIM_PHASE_ARRIVAL, /* a request reached the device (p=) */
	DFUD_SIM_PHASE_COMMAND, /* a command is about to run */
	DFUD_SIM_PHASE_UPLOAD,	/* an upload chunk with a known offset (offset=) */
	DFUD_SIM_PHASE_DONE,	/* a request was answered (after=) */
	DFUD_SIM_PHASE_BOOT,	/* MCUboot looks at a candidate image */
} DfudSimFaultPhase;

/*
 * A fault of @kind that applies now: counted down and logged; NULL if none fires. @value is
 * what offset= looks at: an upload chunk's offset (or, for stuck-offset, where it ends), the
 * `off` of an upload answer, -1 for none.
 */
DfudSimFault *dfud_sim_device_fault_fire(DfudSimDevice *self, DfudSimFaultKind kind,
					 DfudSimFaultPhase phase, DfudSimSession *session,
					 const DfudSmpHeader *hdr, gint64 value);
/*
 * What faults look at in a packet (a request, or a response): the header of its first message
 * in @hdr (NULL when the packet is shorter than a header) and, for an image upload whose body
 * decodes, its `off` in *@upload_off (-1 otherwise).
 */
const DfudSmpHeader *dfud_sim_packet_peek(GBytes *packet, DfudSmpHeader *hdr, gint64 *upload_off);

G_END_DECLS
