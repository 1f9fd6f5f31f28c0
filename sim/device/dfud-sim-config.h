/*
 * Copyright 2026 The dfud authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "link/dfud-sim-link.h"

G_BEGIN_DECLS

/*
 * MCUboot upgrade strategies; the number is what bootloader info "mode" reports (spec §3.5).
 * DFUD_SIM_BOOT_NONE is no MCUboot at all (Zephyr's smp_svr on native_sim, the peer of
 * tests/peer): a reset restarts the application and swaps nothing; it reports no mode.
 */
typedef enum {
	DFUD_SIM_BOOT_NONE = -1,
	DFUD_SIM_BOOT_SINGLE_SLOT = 0,
	DFUD_SIM_BOOT_SWAP_SCRATCH = 1,
	DFUD_SIM_BOOT_OVERWRITE_ONLY = 2,
	DFUD_SIM_BOOT_SWAP_MOVE = 3,
	DFUD_SIM_BOOT_DIRECT_XIP = 4,
	DFUD_SIM_BOOT_DIRECT_XIP_REVERT = 5,
	DFUD_SIM_BOOT_RAM_LOAD = 6,
	DFUD_SIM_BOOT_FIRMWARE_LOADER = 7,
	DFUD_SIM_BOOT_SINGLE_SLOT_RAM_LOAD = 8,
	DFUD_SIM_BOOT_SWAP_OFFSET = 9,
} DfudSimBootMode;

/* the modes without a second application slot of image 0 (single-application MCUboot) */
#define DFUD_SIM_BOOT_IS_SINGLE_SLOT(m)                                                             \
	((m) == DFUD_SIM_BOOT_SINGLE_SLOT || (m) == DFUD_SIM_BOOT_SINGLE_SLOT_RAM_LOAD)
/* the modes that run the highest valid version of the two slots, with no swap */
#define DFUD_SIM_BOOT_IS_XIP_OR_RAM(m)                                                              \
	((m) == DFUD_SIM_BOOT_DIRECT_XIP || (m) == DFUD_SIM_BOOT_DIRECT_XIP_REVERT ||               \
	 (m) == DFUD_SIM_BOOT_RAM_LOAD)

/* flash timing; every duration the simulator spends is multiplied by time_scale */
typedef struct {
	const gchar *name;	   /* the --flash preset: "nrf52840" (default) or "nrf5340" */
	guint32 sector_size;	   /* erase unit, bytes (4096) */
	guint erase_us_per_sector; /* nRF52840: 85 ms per 4 KiB page */
	guint write_ns_per_byte;   /* nRF52840: 41 us per 32-bit word = 10250 ns/byte */
	guint hash_ns_per_byte;	   /* reading + SHA-256 over flash */
} DfudSimFlashParams;

typedef struct {
	/* device model */
	gchar *state_dir;	  /* --state-dir; device k of --count N lives in state_dir/dev<k> */
	gchar *slot0_path;	  /* --slot0: confirmed running image 0 when the state is new */
	gchar *slot0_net_path;	  /* --slot0-net: the same for image 1 (needs images >= 2) */
	guint images;		  /* --images: updatable images (1..4); 2 = nRF5340 app + net */
	guint32 slot_size;	  /* --slot-size: bytes per slot (image 0) */
	guint32 net_slot_size;	  /* --net-slot-size: bytes per slot of images >= 1 */
	guint32 slot1_size;	  /* --slot1-size: bytes of image 0's slot 1, 0 = slot_size */
	guint32 slot_addr[2];	  /* --slot0-addr, --slot1-addr: flash addresses of image 0's
				   * slots (MCUboot's ROM_FIXED check); slot 1 0 = after slot 0 */
	gboolean slot_info;	  /* --slot-info: CONFIG_MCUMGR_GRP_IMG_SLOT_INFO with one image */
	gboolean reject_mismatched_slot; /* --reject-mismatched-slot: a direct-XIP upload of a
					  * ROM_FIXED image linked elsewhere answers 25 */
	DfudSimBootMode boot_mode; /* --bootloader */
	gboolean no_downgrade;	  /* --no-downgrade: MCUboot downgrade prevention */
	gchar *key_path;	  /* --key: MCUboot only boots images signed with it */
	gboolean sha512;	  /* --sha512: MCUboot/img mgmt use the SHA-512 TLV */
	/* NSIB (b0) with an upgradable MCUboot in S0/S1: enabled when both paths are given */
	gchar *mcuboot_s0_path;	  /* --mcuboot-s0: the MCUboot build linked for S0 */
	gchar *mcuboot_s1_path;	  /* --mcuboot-s1: the MCUboot build linked for S1 */
	guint b0_active;	  /* --b0-active: S slot running when the state is new */
	/* MCUboot's choice of slot in direct-XIP and RAM-load (loader.c) */
	gboolean version_cmp_build_number; /* --version-cmp-build-number:
					    * CONFIG_BOOT_VERSION_CMP_USE_BUILD_NUMBER */
	guint32 exec_ram_start;	  /* --exec-ram-start: IMAGE_EXECUTABLE_RAM_START (RAM-load) */
	guint32 exec_ram_size;	  /* --exec-ram-size: IMAGE_EXECUTABLE_RAM_SIZE (RAM-load) */
	/* SMP server (Zephyr Kconfig equivalents) */
	guint buf_size;		  /* --buf-size: CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE (2475) */
	guint buf_count;	  /* --buf-count: CONFIG_MCUMGR_TRANSPORT_NETBUF_COUNT (4) */
	gboolean smp_v1;	  /* accept SMP v1 requests (TRUE); FALSE answers rc 12 */
	gboolean image_check;	  /* CONFIG_IMG_ENABLE_IMAGE_CHECK: `match` (TRUE) */
	gboolean verbose_errors;  /* `rsn` strings (TRUE) */
	gboolean progressive_erase; /* CONFIG_IMG_ERASE_PROGRESSIVELY (FALSE) */
	gboolean legacy_rc;	  /* CONFIG_MCUMGR_SMP_LEGACY_RC_BEHAVIOUR: "rc": 0 on success */
	gboolean frugal_list;	  /* CONFIG_MCUMGR_GRP_IMG_FRUGAL_LIST */
	guint reset_delay_ms;	  /* --reset-delay: CONFIG_MCUMGR_GRP_OS_RESET_MS (250); not scaled */
	guint buf_release_us;	  /* --buf-release-us: buffers held after a response left (0) */
	gchar *os_name;		  /* node name for OS info ("dfud-sim") */
	gchar *board;		  /* hardware platform for OS info ("nrf52840dk") */
	/* timing */
	guint swap_time_ms;	  /* --swap-time: time unreachable across a reset; 0 = from flash */
	DfudSimFlashParams flash;
	gdouble time_scale;	  /* --time-scale: 1.0 real time, 0 = instant (tests); not the link */
	DfudSimLinkParams link;	  /* --link-*: air model applied to every session; its time
				   * scale is --link-time-scale (link.time_scale) */
	/* faults */
	GPtrArray *faults;	  /* element-type DfudSimFault, from --fault and --fault-file */
	gchar *fault_file;	  /* --fault-file: re-read on SIGHUP */
	guint64 seed;		  /* --seed */
	/* process */
	guint count;		  /* --count: devices in this process */
	gchar *log_json;	  /* --log-json: JSON-lines event log ("-" = stdout) */
	gchar *udp_host;	  /* --udp HOST:PORT; device k listens on PORT + k */
	guint ip_mtu;		  /* --ip-mtu: the device's IP MTU, 0 = not modelled (UDP only) */
	guint16 udp_port;
	gboolean ble;		  /* --ble */
	gchar *adapter;		  /* --adapter hciN (any when NULL) */
	gchar *name;		  /* --name: advertised name; device k > 0 gets "-k" appended */
	gboolean ble_write_socket; /* --ble-write-socket: writes through AcquireWrite */
	/* --serial: SMP over a pseudo-terminal (sim/serial) */
	gboolean serial;
	gchar *serial_link;	/* --serial-link PATH: a symlink kept to the current PTY */
	guint serial_baud;	/* --serial-baud: the line's speed, bytes paced at it; 0 = none */
	guint serial_mtu;	/* --serial-mtu: CONFIG_MCUMGR_TRANSPORT_UART_MTU (256) */
	guint serial_noise_ms;	/* --serial-noise: a console log line every MS ms; 0 = none */
	guint serial_unplug_ms; /* --serial-unplug: the port is away this long after drop-link */
	gboolean serial_raw;		 /* --serial-raw: the raw UART transport */
	gboolean serial_recovery;	 /* --serial-recovery: MCUboot's boot_serial answers first */
	gboolean serial_recovery_params; /* --serial-recovery-params: it answers os params */
	gboolean serial_recovery_boot_mode; /* --serial-recovery-boot-mode: boot_mode 1 enters it */
	guint ble_passkey;	   /* --passkey: the fixed pairing passkey, G_MAXUINT for none */
} DfudSimConfig;

/* a config with the defaults documented in dfud-sim(1) (an nRF52840 DK running an NCS sample) */
DfudSimConfig *
dfud_sim_config_new(void);
void
dfud_sim_config_free(DfudSimConfig *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DfudSimConfig, dfud_sim_config_free)
/* checks ranges and combinations (e.g. images >= 2 for --slot0-net); DFUD_ERROR_INVALID_ARGUMENT */
gboolean
dfud_sim_config_validate(const DfudSimConfig *self, GError **error);
/* the same checks except the state directory (a computation that runs no device) */
gboolean
dfud_sim_config_validate_model(const DfudSimConfig *self, GError **error);
/* the flash address of image 0's slot @slot (0 or 1) */
guint32
dfud_sim_config_slot_addr(const DfudSimConfig *self, guint slot);
/* the state directory of device @index */
gchar *
dfud_sim_config_device_dir(const DfudSimConfig *self, guint index);
const gchar *
dfud_sim_boot_mode_to_string(DfudSimBootMode mode);
/*
 * The flash timing of a chip (--flash), from its product specification: "nrf52840" (write 41 us
 * per 32-bit word, 85 ms per 4 KiB page erase) or "nrf5340" (application core: 43 us per word,
 * 87.5 ms per page). FALSE for an unknown name (@params untouched).
 */
gboolean
dfud_sim_flash_preset(const gchar *name, DfudSimFlashParams *params);
/* the preset names, NULL-terminated */
const gchar *const *
dfud_sim_flash_preset_names(void);
gboolean
dfud_sim_boot_mode_from_string(const gchar *str, DfudSimBootMode *mode);

G_END_DECLS
