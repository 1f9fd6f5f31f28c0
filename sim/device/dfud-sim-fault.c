/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DfudSim"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "dfud-error.h"
#include "dfud-sim-fault.h"
#include "smp/dfud-smp-command.h"

static const gchar *const kind_names[] = {
    [DFUD_SIM_FAULT_DROP_LINK] = "drop-link",
    [DFUD_SIM_FAULT_DROP_REQUEST] = "drop-request",
    [DFUD_SIM_FAULT_DROP_RESPONSE] = "drop-response",
    [DFUD_SIM_FAULT_DELAY_RESPONSE] = "delay-response",
    [DFUD_SIM_FAULT_DUPLICATE_RESPONSE] = "duplicate-response",
    [DFUD_SIM_FAULT_BUSY] = "busy",
    [DFUD_SIM_FAULT_SLOW_ERASE] = "slow-erase",
    [DFUD_SIM_FAULT_ERROR] = "error",
    [DFUD_SIM_FAULT_CORRUPT_IMAGE] = "corrupt-image",
    [DFUD_SIM_FAULT_REQUIRE_SECURITY] = "require",
    [DFUD_SIM_FAULT_STUCK_OFFSET] = "stuck-offset",
    [DFUD_SIM_FAULT_SLOW] = "slow",
    [DFUD_SIM_FAULT_SERIAL_CRC] = "serial-crc",
    [DFUD_SIM_FAULT_SERIAL_BASE64] = "serial-base64",
};

/* the keys each kind accepts besides device= and count= */
static const gchar *const kind_keys[] = {
    [DFUD_SIM_FAULT_DROP_LINK] = "offset after p",
    [DFUD_SIM_FAULT_DROP_REQUEST] = "p after cmd offset",
    [DFUD_SIM_FAULT_DROP_RESPONSE] = "p after cmd offset",
    [DFUD_SIM_FAULT_DELAY_RESPONSE] = "ms p after cmd offset",
    [DFUD_SIM_FAULT_DUPLICATE_RESPONSE] = "p",
    [DFUD_SIM_FAULT_BUSY] = "p after cmd offset",
    [DFUD_SIM_FAULT_SLOW_ERASE] = "ms",
    [DFUD_SIM_FAULT_ERROR] = "cmd rc group offset",
    [DFUD_SIM_FAULT_CORRUPT_IMAGE] = "image",
    [DFUD_SIM_FAULT_REQUIRE_SECURITY] = "security",
    [DFUD_SIM_FAULT_STUCK_OFFSET] = "offset",
    [DFUD_SIM_FAULT_SLOW] = "ms p after cmd offset",
    [DFUD_SIM_FAULT_SERIAL_CRC] = "p after cmd",
    [DFUD_SIM_FAULT_SERIAL_BASE64] = "p after cmd",
};

static const struct {
	const gchar *name;
	guint16 group;
	guint8 id;
} commands[] = {
    {"os.echo", DFUD_SMP_GROUP_OS, DFUD_SMP_OS_ECHO},
    {"os.reset", DFUD_SMP_GROUP_OS, DFUD_SMP_OS_RESET},
    {"os.params", DFUD_SMP_GROUP_OS, DFUD_SMP_OS_MCUMGR_PARAMS},
    {"os.info", DFUD_SMP_GROUP_OS, DFUD_SMP_OS_INFO},
    {"os.bootloader-info", DFUD_SMP_GROUP_OS, DFUD_SMP_OS_BOOTLOADER_INFO},
    {"image.state-read", DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_STATE},
    {"image.state-write", DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_STATE},
    {"image.upload", DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_UPLOAD},
    {"image.erase", DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_ERASE},
    {"image.slot-info", DFUD_SMP_GROUP_IMAGE, DFUD_SMP_IMAGE_SLOT_INFO},
};

const gchar *
dfud_sim_fault_kind_to_string(DfudSimFaultKind kind)
{
	if ((guint)kind >= G_N_ELEMENTS(kind_names))
		return "unknown";
	return kind_names[kind];
}

const gchar *
dfud_sim_security_to_string(DfudSimSecurity security)
{
	switch (security) {
	case DFUD_SIM_SECURITY_NONE:
		return "none";
	case DFUD_SIM_SECURITY_ENCRYPT:
		return "encrypt";
	case DFUD_SIM_SECURITY_AUTHENTICATE:
		return "authenticate";
	}
	return "unknown";
}

void
dfud_sim_fault_free(DfudSimFault *self)
{
	if (self == NULL)
		return;
	g_free(self->spec);
	g_free(self);
}

static gboolean bad(GError **error, const gchar *spec, const gchar *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
bad(GError **error, const gchar *spec, const gchar *fmt, ...)
{
	va_list ap;
	g_autofree gchar *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, DFUD_ERROR, DFUD_ERROR_INVALID_ARGUMENT, "fault \"%s\": %s", spec, msg);
	return FALSE;
}

static gboolean
parse_int(const gchar *spec, const gchar *key, const gchar *value, gint64 min, gint64 max,
	  gint64 *out, GError **error)
{
	gint64 v;
	gchar *end = NULL;

	if (value[0] == '\0')
		return bad(error, spec, "%s= needs a value", key);
	errno = 0;
	v = g_ascii_strtoll(value, &end, 0);
	if (errno != 0 || end == NULL || *end != '\0')
		return bad(error, spec, "%s=%s is not an integer", key, value);
	if (v < min || v > max)
		return bad(error, spec,
			   "%s=%s is out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
			   key, value, min, max);
	*out = v;
	return TRUE;
}

static gboolean
parse_pair(DfudSimFault *self, const gchar *spec, const gchar *key, const gchar *value,
	   GError **error)
{
	gint64 v = 0;

	if (g_strcmp0(key, "device") == 0) {
		if (!parse_int(spec, key, value, 0, G_MAXINT, &v, error))
			return FALSE;
		self->device = (gint)v;
		return TRUE;
	}
	if (g_strcmp0(key, "count") == 0) {
		if (!parse_int(spec, key, value, 1, G_MAXINT64, &v, error))
			return FALSE;
		self->count = v;
		return TRUE;
	}
	if (g_strcmp0(key, "boot") == 0)
		return parse_int(spec, key, value, 0, G_MAXINT, &self->boot, error);
	{
		g_auto(GStrv) allowed = g_strsplit(kind_keys[self->kind], " ", -1);
		if (!g_strv_contains((const gchar *const *)allowed, key))
			return bad(error, spec,
				   "unknown key \"%s\" for %s (allowed: %s device count boot)", key,
				   kind_names[self->kind], kind_keys[self->kind]);
	}
	if (g_strcmp0(key, "p") == 0) {
		gchar *end = NULL;
		gdouble p = g_ascii_strtod(value, &end);
		if (value[0] == '\0' || end == NULL || *end != '\0' || !(p >= 0.0) || p > 1.0)
			return bad(error, spec, "p=%s is not a probability in 0..1", value);
		self->p = p;
	} else if (g_strcmp0(key, "after") == 0) {
		if (!parse_int(spec, key, value, 1, G_MAXINT64, &self->after, error))
			return FALSE;
	} else if (g_strcmp0(key, "offset") == 0) {
		if (!parse_int(spec, key, value, 0, G_MAXUINT32, &self->offset, error))
			return FALSE;
	} else if (g_strcmp0(key, "ms") == 0) {
		if (!parse_int(spec, key, value, 0, 3600000, &v, error))
			return FALSE;
		self->ms = (guint)v;
	} else if (g_strcmp0(key, "rc") == 0) {
		if (!parse_int(spec, key, value, 0, G_MAXINT32, &v, error))
			return FALSE;
		self->rc = (gint)v;
	} else if (g_strcmp0(key, "group") == 0) {
		if (!parse_int(spec, key, value, 0, G_MAXUINT16, &v, error))
			return FALSE;
		self->group = (gint)v;
	} else if (g_strcmp0(key, "image") == 0) {
		if (!parse_int(spec, key, value, 0, 3, &v, error))
			return FALSE;
		self->image = (gint)v;
	} else if (g_strcmp0(key, "cmd") == 0) {
		gboolean found = FALSE;
		for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
			if (g_strcmp0(commands[i].name, value) == 0) {
				self->cmd_group = commands[i].group;
				self->cmd_id = commands[i].id;
				self->has_cmd = TRUE;
				found = TRUE;
			}
		}
		if (!found)
			return bad(error, spec, "unknown command cmd=%s", value);
	} else if (g_strcmp0(key, "security") == 0) {
		if (g_strcmp0(value, "encrypt") == 0)
			self->security = DFUD_SIM_SECURITY_ENCRYPT;
		else if (g_strcmp0(value, "authenticate") == 0)
			self->security = DFUD_SIM_SECURITY_AUTHENTICATE;
		else
			return bad(error, spec, "security=%s is not encrypt or authenticate",
				   value);
	}
	return TRUE;
}

static gboolean
is_upload(const DfudSimFault *self)
{
	return self->has_cmd && self->cmd_group == DFUD_SMP_GROUP_IMAGE &&
	       self->cmd_id == DFUD_SMP_IMAGE_UPLOAD;
}

static gboolean
check_complete(DfudSimFault *self, const gchar *spec, GError **error)
{
	gboolean random = self->p > 0.0;
	gboolean after = self->after >= 0;
	gboolean offset = self->offset >= 0;

	/* offset= looks at upload chunks (or their answers) only */
	if (offset && self->kind != DFUD_SIM_FAULT_DROP_LINK &&
	    self->kind != DFUD_SIM_FAULT_STUCK_OFFSET && !is_upload(self))
		return bad(error, spec, "offset= only applies to cmd=image.upload");
	switch (self->kind) {
	case DFUD_SIM_FAULT_DROP_LINK:
		if (random + after + offset != 1)
			return bad(error, spec,
				   "drop-link needs exactly one of offset=, after=, p=");
		break;
	case DFUD_SIM_FAULT_DROP_RESPONSE:
		if (random + after + offset != 1)
			return bad(error, spec,
				   "drop-response needs exactly one of p=, after=, offset=");
		break;
	case DFUD_SIM_FAULT_DROP_REQUEST:
	case DFUD_SIM_FAULT_BUSY:
		/* offset= narrows p= down to the chunks from there on */
		if (after + (random || offset) != 1)
			return bad(error, spec, "%s needs exactly one of p=, after=, offset=",
				   kind_names[self->kind]);
		break;
	case DFUD_SIM_FAULT_DELAY_RESPONSE:
	case DFUD_SIM_FAULT_SLOW:
		if (self->ms == 0)
			return bad(error, spec, "%s needs ms=M (M > 0)", kind_names[self->kind]);
		break;
	case DFUD_SIM_FAULT_DUPLICATE_RESPONSE:
		if (!random)
			return bad(error, spec, "duplicate-response needs p=P (P > 0)");
		break;
	case DFUD_SIM_FAULT_SLOW_ERASE:
		if (self->ms == 0)
			return bad(error, spec, "slow-erase needs ms=M (M > 0)");
		break;
	case DFUD_SIM_FAULT_ERROR:
		if (!self->has_cmd)
			return bad(error, spec, "error needs cmd=GROUP.NAME");
		if (self->rc < 0)
			return bad(error, spec, "error needs rc=N");
		break;
	case DFUD_SIM_FAULT_REQUIRE_SECURITY:
		if (self->security == DFUD_SIM_SECURITY_NONE)
			return bad(error, spec, "require needs security=encrypt|authenticate");
		break;
	case DFUD_SIM_FAULT_STUCK_OFFSET:
		if (!offset)
			return bad(error, spec, "stuck-offset needs offset=N");
		/* a stuck device stays stuck */
		if (self->count == 0)
			self->count = -1;
		break;
	case DFUD_SIM_FAULT_CORRUPT_IMAGE:
		break;
	case DFUD_SIM_FAULT_SERIAL_CRC:
	case DFUD_SIM_FAULT_SERIAL_BASE64:
		if (random + after != 1)
			return bad(error, spec,
				   "%s needs exactly one of p=, after=", kind_names[self->kind]);
		break;
	}
	/* one-shot triggers fire once unless count= or p= says otherwise */
	if (self->count == 0)
		self->count = (after || offset) && !random ? 1 : -1;
	return TRUE;
}

DfudSimFault *
dfud_sim_fault_parse(const gchar *spec, GError **error)
{
	g_autoptr(DfudSimFault) self = g_new0(DfudSimFault, 1);
	g_autofree gchar *kind = NULL;
	const gchar *colon;
	gboolean found = FALSE;

	g_return_val_if_fail(spec != NULL, NULL);

	self->spec = g_strstrip(g_strdup(spec));
	self->device = -1;
	self->count = 0;
	self->after = -1;
	self->offset = -1;
	self->rc = -1;
	self->group = -1;
	self->image = -1;
	self->boot = -1;
	colon = strchr(self->spec, ':');
	kind = colon != NULL ? g_strndup(self->spec, (gsize)(colon - self->spec))
			     : g_strdup(self->spec);
	for (gsize i = 0; i < G_N_ELEMENTS(kind_names); i++) {
		if (g_strcmp0(kind_names[i], kind) == 0) {
			self->kind = (DfudSimFaultKind)i;
			found = TRUE;
		}
	}
	if (!found) {
		bad(error, self->spec, "unknown fault kind \"%s\"", kind);
		return NULL;
	}
	if (colon != NULL) {
		g_auto(GStrv) pairs = g_strsplit(colon + 1, ",", -1);
		g_autoptr(GHashTable) seen =
		    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; pairs[i] != NULL; i++) {
			gchar *eq = strchr(pairs[i], '=');
			g_autofree gchar *key = NULL;
			if (eq == NULL || eq == pairs[i]) {
				bad(error, self->spec, "\"%s\" is not KEY=VALUE", pairs[i]);
				return NULL;
			}
			key = g_strndup(pairs[i], (gsize)(eq - pairs[i]));
			if (!g_hash_table_add(seen, g_strdup(key))) {
				bad(error, self->spec, "key \"%s\" given twice", key);
				return NULL;
			}
			if (!parse_pair(self, self->spec, key, eq + 1, error))
				return NULL;
		}
	}
	if (!check_complete(self, self->spec, error))
		return NULL;
	return g_steal_pointer(&self);
}

GPtrArray *
dfud_sim_fault_parse_file(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) faults =
	    g_ptr_array_new_with_free_func((GDestroyNotify)dfud_sim_fault_free);

	g_return_val_if_fail(path != NULL, NULL);
	if (!g_file_get_contents(path, &text, NULL, error))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);
		DfudSimFault *fault;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		fault = dfud_sim_fault_parse(line, error);
		if (fault == NULL) {
			g_prefix_error(error, "%s:%u: ", path, i + 1);
			return NULL;
		}
		g_ptr_array_add(faults, fault);
	}
	return g_steal_pointer(&faults);
}
