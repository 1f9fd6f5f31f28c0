/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <string.h>

#include "dfud-sim-device-private.h"
#include "smp/dfud-smp-cbor-check.h"
#include "smp/dfud-smp-cbor-map.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-rc.h"

/*
 * Zephyr's SMP server for one packet (spec §1, §2, §9.3): header checks, the command lookup,
 * the body, the error forms of SMP v1 and v2, and the messages of a packet one after the other
 * (smp.c, smp_process_request_packet()).
 */

gboolean
dfud_sim_ctx_decode_failed(DfudSimCtx *ctx)
{
	return ctx->body == NULL;
}

/* spec §2.5 */
static gint
img_rc_to_v1(gint rc)
{
	switch (rc) {
	case DFUD_SMP_IMG_RC_NO_IMAGE:
	case DFUD_SMP_IMG_RC_NO_TLVS:
		return DFUD_SMP_RC_ENOENT;
	case DFUD_SMP_IMG_RC_NO_FREE_SLOT:
	case DFUD_SMP_IMG_RC_CURRENT_VERSION_IS_NEWER:
	case DFUD_SMP_IMG_RC_IMAGE_ALREADY_PENDING:
		return DFUD_SMP_RC_EBADSTATE;
	case DFUD_SMP_IMG_RC_NO_FREE_MEMORY:
		return DFUD_SMP_RC_ENOMEM;
	case DFUD_SMP_IMG_RC_INVALID_SLOT:
	case DFUD_SMP_IMG_RC_INVALID_PAGE_OFFSET:
	case DFUD_SMP_IMG_RC_INVALID_OFFSET:
	case DFUD_SMP_IMG_RC_INVALID_LENGTH:
	case DFUD_SMP_IMG_RC_INVALID_IMAGE_HEADER:
	case DFUD_SMP_IMG_RC_INVALID_HASH:
	case DFUD_SMP_IMG_RC_INVALID_FLASH_ADDRESS:
		return DFUD_SMP_RC_EINVAL;
	default:
		return DFUD_SMP_RC_EUNKNOWN;
	}
}

/* spec §2.6 */
static gint
os_rc_to_v1(gint rc)
{
	switch (rc) {
	case DFUD_SMP_OS_RC_INVALID_FORMAT:
		return DFUD_SMP_RC_EINVAL;
	case DFUD_SMP_OS_RC_QUERY_YIELDS_NO_ANSWER:
	case DFUD_SMP_OS_RC_RTC_NOT_SET:
	case DFUD_SMP_OS_RC_QUERY_RESPONSE_VALUE_NOT_VALID:
		return DFUD_SMP_RC_ENOENT;
	default:
		return DFUD_SMP_RC_EUNKNOWN;
	}
}

static gint
group_rc_to_v1(gint group, gint rc)
{
	if (group == DFUD_SMP_GROUP_IMAGE)
		return img_rc_to_v1(rc);
	if (group == DFUD_SMP_GROUP_OS)
		return os_rc_to_v1(rc);
	return DFUD_SMP_RC_EUNKNOWN;
}

/*
 * An error answer replaces whatever the handler wrote. A group error of a v2 request is an
 * `err` map without `rsn` (smp_add_cmd_err()); the reason only goes with an `rc` answer, i.e.
 * a v1 request's translated group error (smp.c, smp_handle_single_req()).
 */
static void
encode_status(DfudSimCtx *ctx, DfudSimStatus st)
{
	DfudSimReply *r = &ctx->reply;
	gboolean rsn = st.rsn != NULL && ctx->device->config->verbose_errors &&
		       (st.group < 0 || ctx->hdr.version < DFUD_SMP_VERSION_2);

	dfud_sim_reply_reset(r);
	if (st.group < 0) {
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(r, "rc"), st.rc);
	} else if (ctx->hdr.version >= DFUD_SMP_VERSION_2) {
		DfudSmpCborWriter *w = dfud_sim_reply_key(r, "err");
		dfud_smp_cbor_writer_map(w, 2);
		dfud_smp_cbor_writer_key_uint(w, "group", (guint64)st.group);
		dfud_smp_cbor_writer_key_uint(w, "rc", (guint64)st.rc);
	} else {
		dfud_smp_cbor_writer_int(dfud_sim_reply_key(r, "rc"),
					 group_rc_to_v1(st.group, st.rc));
	}
	if (rsn)
		dfud_smp_cbor_writer_text(dfud_sim_reply_key(r, "rsn"), st.rsn);
}

/* the frame of the answer; *error is set when it became an EMSGSIZE error */
static GBytes *
finish_frame(DfudSimCtx *ctx, gboolean *error)
{
	g_autoptr(GBytes) body = dfud_sim_reply_finish(&ctx->reply);
	DfudSmpHeader rsp = ctx->hdr;

	if (body == NULL) {
		/* the response did not fit the SMP buffer */
		*error = TRUE;
		encode_status(ctx, DFUD_SIM_RC(DFUD_SMP_RC_EMSGSIZE));
		body = dfud_sim_reply_finish(&ctx->reply);
		g_assert(body != NULL);
	}
	rsp.op = rsp.op == DFUD_SMP_OP_READ ? DFUD_SMP_OP_READ_RSP : DFUD_SMP_OP_WRITE_RSP;
	rsp.version = MIN(rsp.version, DFUD_SMP_VERSION_2);
	rsp.flags = 0;
	return dfud_smp_frame_new(&rsp, g_bytes_get_data(body, NULL), g_bytes_get_size(body));
}

static cbor_item_t *
load_body(const guint8 *body, gsize len)
{
	g_autoptr(cbor_item_t) map = NULL;

	/* no body is no map: commands that take parameters answer rc 3 (zcbor_map_decode_bulk()
	 * fails; the peer of tests/peer does so for echo, OS and bootloader info, state write,
	 * upload and erase), those that take none do not look (spec §9.3) */
	if (len == 0)
		return NULL;
	map = dfud_smp_cbor_load(body, len, NULL);
	if (map == NULL || !dfud_smp_cbor_map_validate(map, NULL))
		return NULL;
	return g_steal_pointer(&map);
}

/* the offset of an upload chunk, for faults that wait for one; -1 otherwise */
static gint64
upload_offset(DfudSimCtx *ctx)
{
	guint64 off = 0;
	gboolean found = FALSE;

	if (ctx->body == NULL || ctx->hdr.group != DFUD_SMP_GROUP_IMAGE ||
	    ctx->hdr.id != DFUD_SMP_IMAGE_UPLOAD)
		return -1;
	if (!dfud_smp_cbor_map_get_uint(ctx->body, "off", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32, &off,
					&found, NULL) ||
	    !found)
		return -1;
	return (gint64)off;
}

static DfudSimStatus
run_command(DfudSimCtx *ctx)
{
	DfudSimFault *fault;
	gboolean found = FALSE;
	DfudSimStatus st;

	if (ctx->hdr.op != DFUD_SMP_OP_READ && ctx->hdr.op != DFUD_SMP_OP_WRITE)
		return DFUD_SIM_RC(DFUD_SMP_RC_ENOTSUP);
	fault = dfud_sim_device_fault_fire(ctx->device, DFUD_SIM_FAULT_BUSY, DFUD_SIM_PHASE_COMMAND,
					   ctx->session, &ctx->hdr, upload_offset(ctx));
	if (fault != NULL)
		return DFUD_SIM_RC(DFUD_SMP_RC_EBUSY);
	fault = dfud_sim_device_fault_fire(ctx->device, DFUD_SIM_FAULT_SLOW, DFUD_SIM_PHASE_COMMAND,
					   ctx->session, &ctx->hdr, upload_offset(ctx));
	if (fault != NULL)
		ctx->slow_us += (gint64)fault->ms * 1000;
	fault =
	    dfud_sim_device_fault_fire(ctx->device, DFUD_SIM_FAULT_ERROR, DFUD_SIM_PHASE_COMMAND,
				       ctx->session, &ctx->hdr, upload_offset(ctx));
	if (fault != NULL)
		return (DfudSimStatus){fault->rc, fault->group, NULL};
	if (ctx->device->recovery)
		return dfud_sim_recovery_handle(ctx);
	if (ctx->hdr.group == DFUD_SMP_GROUP_OS)
		st = dfud_sim_os_handle(ctx, &found);
	else if (ctx->hdr.group == DFUD_SMP_GROUP_IMAGE)
		st = dfud_sim_img_handle(ctx, &found);
	else
		st = DFUD_SIM_OK;
	if (!found)
		return DFUD_SIM_RC(DFUD_SMP_RC_ENOTSUP);
	return st;
}

/*
 * One message at @packet (@len bytes left in the packet, at least a header): its response,
 * NULL for none. *consumed is the message's length; *stop is TRUE when the packet's later
 * messages are not handled (an SMP-level error: every `rc` answer but a v2 group error).
 */
static GBytes *
dispatch_one(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet, gsize len,
	     gboolean rsp_buffer, DfudSimResult *result, gsize *consumed, gboolean *stop)
{
	DfudSimCtx ctx = {0};
	DfudSimStatus st;
	GBytes *frame = NULL;

	ctx.device = self;
	ctx.session = session;
	/* Zephyr ignores the reserved bits; so does this decoder */
	ctx.hdr.op = packet[0] & 0x07;
	ctx.hdr.version = (packet[0] >> 3) & 0x03;
	ctx.hdr.flags = packet[1];
	ctx.hdr.len = (guint16)(packet[2] << 8 | packet[3]);
	ctx.hdr.group = (guint16)(packet[4] << 8 | packet[5]);
	ctx.hdr.seq = packet[6];
	ctx.hdr.id = packet[7];
	dfud_sim_reply_init(&ctx.reply, self->config->buf_size - DFUD_SMP_HEADER_SIZE);
	*consumed = MIN(len, DFUD_SMP_HEADER_SIZE + (gsize)ctx.hdr.len);

	/* in smp.c's order: the length, the op, then the version */
	if (ctx.hdr.len > len - DFUD_SMP_HEADER_SIZE) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_ECORRUPT);
	} else if (ctx.hdr.op != DFUD_SMP_OP_READ && ctx.hdr.op != DFUD_SMP_OP_WRITE) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_ENOTSUP);
	} else if (!rsp_buffer) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_ENOMEM);
	} else if (ctx.hdr.version > DFUD_SMP_VERSION_2) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_UNSUPPORTED_TOO_NEW);
	} else if (ctx.hdr.version == DFUD_SMP_VERSION_1 && !self->config->smp_v1) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_UNSUPPORTED_TOO_OLD);
	} else {
		ctx.body = load_body(packet + DFUD_SMP_HEADER_SIZE, ctx.hdr.len);
		st = run_command(&ctx);
	}
	*stop = st.rc != 0 && (st.group < 0 || ctx.hdr.version < DFUD_SMP_VERSION_2);
	if (ctx.no_response) {
		*stop = TRUE;
	} else {
		if (st.rc != 0)
			encode_status(&ctx, st);
		frame = finish_frame(&ctx, stop);
	}
	result->flash_us += ctx.flash_us;
	result->slow_us += ctx.slow_us;
	result->reset = result->reset || (ctx.reset && st.rc == 0);
	result->drop_link = result->drop_link || ctx.drop_link;
	if (ctx.body != NULL)
		cbor_decref(&ctx.body);
	dfud_sim_reply_clear(&ctx.reply);
	return frame;
}

void
dfud_sim_dispatch(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet, gsize len,
		  gboolean rsp_buffer, DfudSimResult *result)
{
	gsize off = 0;

	memset(result, 0, sizeof(*result));
	result->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	/* a rest shorter than a header ends the packet without an answer (smp_read_hdr()) */
	while (len - off >= DFUD_SMP_HEADER_SIZE) {
		gsize consumed = 0;
		gboolean stop = FALSE;
		GBytes *frame = dispatch_one(self, session, packet + off, len - off, rsp_buffer,
					     result, &consumed, &stop);

		if (frame != NULL)
			g_ptr_array_add(result->frames, frame);
		off += consumed;
		if (stop || result->drop_link)
			break;
	}
}

void
dfud_sim_result_clear(DfudSimResult *result)
{
	g_clear_pointer(&result->frames, g_ptr_array_unref);
}
