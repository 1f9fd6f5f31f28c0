/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-capacity.h"
#include "link/dfud-sim-link.h"
#include "smp/dfud-smp-upload-size.h"

/* ATT opcode and handle in front of each write */
#define ATT_HEADER 3

/*
 * Image bytes in an upload request of @packet bytes: a chunk that is not the first (off, data),
 * at the image's end where `off` takes the most bytes, with no alignment. 0 if none fit.
 */
static gsize
capacity_data_per_packet(guint64 image_bytes, gsize packet)
{
	DfudSmpUploadChunk chunk = {
	    .off = MAX(image_bytes, 2) - 1,
	    .len = G_MAXUINT64, /* the packet limits the data, not the rest of the image */
	};

	return dfud_smp_upload_max_data(&chunk, packet, 1);
}

/* image bytes per second (model time) the saturated uplink carries in @packet-byte requests */
static gdouble
capacity_link_Bps(const DfudSimLinkParams *link, guint64 image_bytes, gsize packet)
{
	gsize data = capacity_data_per_packet(image_bytes, packet);

	if (data == 0)
		return 0.0;
	return dfud_sim_link_capacity(link, DFUD_SIM_LINK_UP, packet) * (gdouble)data /
	       (gdouble)packet;
}

/* the packet length <= buf_size that carries image data fastest: buf_size itself, or a
 * multiple of ATT_MTU - 3 (whole ATT writes) below it */
static gsize
capacity_best_packet(const DfudSimConfig *config, guint64 image_bytes, gdouble *rate)
{
	gsize att = MAX(config->link.att_mtu, ATT_HEADER + 1u) - ATT_HEADER;
	gsize best = config->buf_size;
	gdouble best_rate = capacity_link_Bps(&config->link, image_bytes, best);

	for (gsize k = config->buf_size / att; k >= 1; k--) {
		gsize packet = k * att;
		gdouble r;

		if (packet == config->buf_size)
			continue;
		r = capacity_link_Bps(&config->link, image_bytes, packet);
		if (r > best_rate) {
			best_rate = r;
			best = packet;
		}
	}
	*rate = best_rate;
	return best;
}

gboolean
dfud_sim_capacity_compute(const DfudSimConfig *config, guint64 image_bytes,
			  DfudSimCapacity *out, GError **error)
{
	const DfudSimFlashParams *flash;
	guint64 sectors;
	gdouble link_us = 0.0;
	gdouble bound;

	g_return_val_if_fail(config != NULL, FALSE);
	g_return_val_if_fail(out != NULL, FALSE);

	if (!dfud_sim_config_validate_model(config, error))
		return FALSE;
	if (image_bytes == 0 || image_bytes > config->slot_size) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "an image of %" G_GUINT64_FORMAT
			    " bytes does not fit the %u-byte slot (--slot-size)",
			    image_bytes, config->slot_size);
		return FALSE;
	}
	flash = &config->flash;
	memset(out, 0, sizeof(*out));
	out->image_bytes = image_bytes;
	out->has_link = config->link.enabled;
	out->flash = flash->name != NULL ? flash->name : "custom";
	out->progressive_erase = config->progressive_erase;

	if (out->has_link) {
		out->packet = capacity_best_packet(config, image_bytes, &out->link_Bps);
	} else {
		out->packet = config->buf_size;
	}
	out->data_per_packet = capacity_data_per_packet(image_bytes, out->packet);
	if (out->data_per_packet == 0 || (out->has_link && !(out->link_Bps > 0.0))) {
		g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT,
			    "an SMP buffer of %u bytes cannot carry image data", config->buf_size);
		return FALSE;
	}

	sectors = (image_bytes + flash->sector_size - 1) / flash->sector_size;
	out->erase_us = (gint64)(sectors * flash->erase_us_per_sector);
	out->write_us = (gint64)(image_bytes * flash->write_ns_per_byte / 1000);
	out->flash_Bps = (gdouble)image_bytes * G_USEC_PER_SEC /
			 (gdouble)MAX(out->erase_us + out->write_us, 1);

	if (out->has_link)
		link_us = (gdouble)image_bytes * G_USEC_PER_SEC / out->link_Bps;
	if (out->progressive_erase) {
		gdouble flash_us = (gdouble)(out->erase_us + out->write_us);

		bound = MAX(link_us, flash_us);
		out->limit = out->has_link && link_us >= flash_us ? "link" : "flash";
	} else {
		bound = (gdouble)out->erase_us + MAX(link_us, (gdouble)out->write_us);
		out->limit = out->has_link && link_us >= (gdouble)out->write_us ? "link" : "flash";
	}
	out->bound_us = MAX((gint64)ceil(bound), 1);
	out->capacity_Bps = (gdouble)image_bytes * G_USEC_PER_SEC / (gdouble)out->bound_us;
	return TRUE;
}

gchar *
dfud_sim_capacity_to_json(const DfudSimCapacity *c)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	g_return_val_if_fail(c != NULL, NULL);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "image_bytes");
	json_builder_add_int_value(b, (gint64)c->image_bytes);
	json_builder_set_member_name(b, "packet");
	json_builder_add_int_value(b, (gint64)c->packet);
	json_builder_set_member_name(b, "data_per_packet");
	json_builder_add_int_value(b, (gint64)c->data_per_packet);
	json_builder_set_member_name(b, "link_Bps");
	if (c->has_link)
		json_builder_add_double_value(b, c->link_Bps);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "flash");
	json_builder_add_string_value(b, c->flash);
	json_builder_set_member_name(b, "erase_us");
	json_builder_add_int_value(b, c->erase_us);
	json_builder_set_member_name(b, "write_us");
	json_builder_add_int_value(b, c->write_us);
	json_builder_set_member_name(b, "flash_Bps");
	json_builder_add_double_value(b, c->flash_Bps);
	json_builder_set_member_name(b, "progressive_erase");
	json_builder_add_boolean_value(b, c->progressive_erase);
	json_builder_set_member_name(b, "bound_us");
	json_builder_add_int_value(b, c->bound_us);
	json_builder_set_member_name(b, "capacity_Bps");
	json_builder_add_double_value(b, c->capacity_Bps);
	json_builder_set_member_name(b, "limit");
	json_builder_add_string_value(b, c->limit);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}
