/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include "dfud-sim-device-private.h"
#include "smp/dfud-smp-cbor-check.h"
#include "smp/dfud-smp-cbor-map.h"
#include "smp/dfud-smp-command.h"
#include "smp/dfud-smp-rc.h"

/*
 * Zephyr's SMP server for one packet (spec §1, §2, §9.3): header checks, the command lookup,
 * the body, the error forms of SMP v1 and v2.
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

/* an error answer replaces whatever the handler wrote */
static void
encode_status(DfudSimCtx *ctx, DfudSimStatus st)
{
	DfudSimReply *r = &ctx->reply;
	gboolean rsn = st.rsn != NULL && ctx->device->config->verbose_errors;

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

static GBytes *
finish_frame(DfudSimCtx *ctx)
{
	g_autoptr(GBytes) body = dfud_sim_reply_finish(&ctx->reply);
	DfudSmpHeader rsp = ctx->hdr;

	if (body == NULL) {
		/* the response did not fit the SMP buffer */
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

	if (len == 0)
		return cbor_new_definite_map(0);
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
					   ctx->session, &ctx->hdr, -1);
	if (fault != NULL)
		return DFUD_SIM_RC(DFUD_SMP_RC_EBUSY);
	fault =
	    dfud_sim_device_fault_fire(ctx->device, DFUD_SIM_FAULT_ERROR, DFUD_SIM_PHASE_COMMAND,
				       ctx->session, &ctx->hdr, upload_offset(ctx));
	if (fault != NULL)
		return (DfudSimStatus){fault->rc, fault->group, NULL};
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

GBytes *
dfud_sim_dispatch(DfudSimDevice *self, DfudSimSession *session, const guint8 *packet, gsize len,
		  gint64 *flash_us, gboolean *reset, gboolean *drop_link)
{
	DfudSimCtx ctx = {0};
	DfudSimStatus st;
	GBytes *frame;

	*flash_us = 0;
	*reset = FALSE;
	*drop_link = FALSE;
	if (len < DFUD_SMP_HEADER_SIZE)
		return NULL;
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

	if (ctx.hdr.len > len - DFUD_SMP_HEADER_SIZE) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_ECORRUPT);
	} else if (ctx.hdr.version > DFUD_SMP_VERSION_2) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_UNSUPPORTED_TOO_NEW);
	} else if (ctx.hdr.version == DFUD_SMP_VERSION_1 && !self->config->smp_v1) {
		st = DFUD_SIM_RC(DFUD_SMP_RC_UNSUPPORTED_TOO_OLD);
	} else {
		ctx.body = load_body(packet + DFUD_SMP_HEADER_SIZE, ctx.hdr.len);
		st = run_command(&ctx);
	}
	if (ctx.no_response) {
		frame = NULL;
	} else {
		if (st.rc != 0)
			encode_status(&ctx, st);
		frame = finish_frame(&ctx);
	}
	*flash_us = ctx.flash_us;
	*reset = ctx.reset && st.rc == 0;
	*drop_link = ctx.drop_link;
	if (ctx.body != NULL)
		cbor_decref(&ctx.body);
	dfud_sim_reply_clear(&ctx.reply);
	return frame;
}
