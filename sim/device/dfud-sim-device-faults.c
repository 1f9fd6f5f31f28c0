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

/* which of a device's faults fire, when; each firing is counted and logged */

static gboolean
fault_matches_cmd(const DfudSimFault *f, const DfudSmpHeader *hdr)
{
	if (!f->has_cmd)
		return TRUE;
	if (hdr == NULL || hdr->group != f->cmd_group || hdr->id != f->cmd_id)
		return FALSE;
	/* image state read and write share an id; a request's op or its response's (op + 1) */
	if (strstr(f->spec, "image.state-write") != NULL)
		return (hdr->op & 2) != 0;
	if (strstr(f->spec, "image.state-read") != NULL)
		return (hdr->op & 2) == 0;
	return TRUE;
}

DfudSimFault *
dfud_sim_device_fault_fire(DfudSimDevice *self, DfudSimFaultKind kind, DfudSimFaultPhase phase,
			   DfudSimSession *session, const DfudSmpHeader *hdr, gint64 value)
{
	for (guint i = 0; i < self->faults->len; i++) {
		DfudSimFault *f = g_ptr_array_index(self->faults, i);
		JsonObject *o;

		if (f->kind != kind || f->count == 0)
			continue;
		if (f->boot >= 0 && self->boots != (guint64)f->boot)
			continue;
		if (kind == DFUD_SIM_FAULT_DROP_LINK) {
			/* one trigger per phase */
			if (phase == DFUD_SIM_PHASE_ARRIVAL && f->p <= 0.0)
				continue;
			if (phase == DFUD_SIM_PHASE_UPLOAD && (f->offset < 0 || value < f->offset))
				continue;
			if (phase == DFUD_SIM_PHASE_DONE &&
			    (f->after < 0 || session == NULL ||
			     session->n_requests != (guint64)f->after))
				continue;
		} else if (kind == DFUD_SIM_FAULT_STUCK_OFFSET) {
			/* @value: where the chunk would end */
			if (value <= f->offset)
				continue;
		} else {
			if (!fault_matches_cmd(f, hdr))
				continue;
			if (f->offset >= 0 && (value < 0 || value < f->offset))
				continue;
			if (f->after >= 0 &&
			    (session == NULL || session->n_requests <= (guint64)f->after))
				continue;
			if (kind == DFUD_SIM_FAULT_CORRUPT_IMAGE && f->image >= 0 &&
			    value != f->image)
				continue;
		}
		if (f->p > 0.0 && g_rand_double(self->rand) >= f->p)
			continue;
		if (f->count > 0)
			f->count--;
		o = json_object_new();
		json_object_set_string_member(o, "fault", dfud_sim_fault_kind_to_string(f->kind));
		json_object_set_string_member(o, "spec", f->spec);
		if (session != NULL)
			json_object_set_string_member(o, "peer", session->peer);
		dfud_sim_device_log(self, "fault", o);
		return f;
	}
	return NULL;
}

const DfudSmpHeader *
dfud_sim_packet_peek(GBytes *packet, DfudSmpHeader *hdr, gint64 *upload_off)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(packet, &len);
	g_autoptr(cbor_item_t) body = NULL;
	guint64 off = 0;
	gboolean found = FALSE;

	*upload_off = -1;
	if (len < DFUD_SMP_HEADER_SIZE)
		return NULL;
	hdr->op = p[0] & 0x07;
	hdr->version = (p[0] >> 3) & 0x03;
	hdr->len = (guint16)(p[2] << 8 | p[3]);
	hdr->group = (guint16)(p[4] << 8 | p[5]);
	hdr->seq = p[6];
	hdr->id = p[7];
	if (hdr->group != DFUD_SMP_GROUP_IMAGE || hdr->id != DFUD_SMP_IMAGE_UPLOAD ||
	    hdr->len == 0 || hdr->len > len - DFUD_SMP_HEADER_SIZE)
		return hdr;
	/* the first message's body; later ones of the packet do not count */
	body = dfud_smp_cbor_load(p + DFUD_SMP_HEADER_SIZE, hdr->len, NULL);
	if (body != NULL && dfud_smp_cbor_map_validate(body, NULL) &&
	    dfud_smp_cbor_map_get_uint(body, "off", DFUD_SMP_CBOR_OPTIONAL, G_MAXUINT32, &off,
				       &found, NULL) &&
	    found)
		*upload_off = (gint64)off;
	return hdr;
}

static DfudSimFault *
fault_copy(const DfudSimFault *f)
{
	DfudSimFault *c = g_memdup2(f, sizeof(*f));

	c->spec = g_strdup(f->spec);
	return c;
}

void
dfud_sim_device_set_faults(DfudSimDevice *self, GPtrArray *faults)
{
	g_return_if_fail(DFUD_IS_SIM_DEVICE(self));
	g_ptr_array_set_size(self->faults, 0);
	for (guint i = 0; faults != NULL && i < faults->len; i++) {
		const DfudSimFault *f = g_ptr_array_index(faults, i);
		if (f->device >= 0 && (guint)f->device != self->index)
			continue;
		g_ptr_array_add(self->faults, fault_copy(f));
	}
}

DfudSimSecurity
dfud_sim_device_get_required_security(DfudSimDevice *self)
{
	DfudSimSecurity sec = DFUD_SIM_SECURITY_NONE;

	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), DFUD_SIM_SECURITY_NONE);
	for (guint i = 0; i < self->faults->len; i++) {
		const DfudSimFault *f = g_ptr_array_index(self->faults, i);
		if (f->kind == DFUD_SIM_FAULT_REQUIRE_SECURITY && f->security > sec)
			sec = f->security;
	}
	return sec;
}

gboolean
dfud_sim_device_fire_response_fault(DfudSimDevice *self, DfudSimFaultKind kind,
				    DfudSimSession *session, GBytes *frame)
{
	DfudSmpHeader hdr = {0};
	gint64 off = -1;
	const DfudSmpHeader *h = dfud_sim_packet_peek(frame, &hdr, &off);

	g_return_val_if_fail(DFUD_IS_SIM_DEVICE(self), FALSE);
	return dfud_sim_device_fault_fire(self, kind, DFUD_SIM_PHASE_DONE, session, h, off) != NULL;
}
