/*
 * Crash-safe records on the data disk: what the kernel learned in one boot, read back in the
 * next (docs/state.md).
 *
 * A record NAME lives in two slot files, /STATE/NAME.S0 and /STATE/NAME.S1, each a 32-byte
 * header then the payload:
 *   0  magic "BFST"            4  format version (u16, 1)   6  header size (u16, 32)
 *   8  sequence (u32)         12  payload length (u32)     16  payload CRC-32 (u32)
 *  20  record name (8 bytes, upper case, NUL-padded)       28  CRC-32 of bytes 0..27 (u32)
 * All little-endian; CRC-32 is IEEE 802.3 (zlib.crc32). A save writes the slot that does not
 * hold the newest valid record, with the next sequence number, then flushes the disk's cache
 * (ATA FLUSH CACHE); a load takes the valid slot with the highest sequence number. A slot whose
 * header or payload checksum does not match (a save cut short by a power loss) is never used,
 * so a power loss at any moment leaves the previous record or the new one.
 *
 * Slot files are made on the first save (and remade larger when a record outgrows them); after
 * that a save writes sectors in place, touching neither the FAT nor a directory.
 * Not for IRQ handlers; one caller at a time.
 */
#ifndef BF_STATE_STORE_H
#define BF_STATE_STORE_H

#include <stdint.h>

#define BF_STATE_ERR_NO_DISK (-30)  /* no FAT16 data disk is mounted */
#define BF_STATE_ERR_NONE (-31)     /* no record of that name (no slot file) */
#define BF_STATE_ERR_INVALID (-32)  /* slot files exist but neither holds a valid record */
#define BF_STATE_ERR_TOO_BIG (-33)  /* the record is larger than the caller's buffer (load), or
                                       than BF_STATE_MAX_RECORD (save) */
#define BF_STATE_ERR_BAD_NAME (-34) /* not 1 to 8 characters of A-Z, 0-9, _ (any case) */
#define BF_STATE_ERR_IO (-35)       /* the disk failed; fat16 errors are passed on as they are */

#define BF_STATE_MAX_NAME 8
#define BF_STATE_MAX_RECORD (1024u * 1024u) /* payload bytes */
#define BF_STATE_HEADER_SIZE 32u
#define BF_STATE_FORMAT_VERSION 1u

/*
 * Loads record `name` into buf (at most cap bytes) and sets *len to its length.
 * Returns 0 for a valid record, else a negative BF_STATE_ERR_ (or FAT16_ERR_) code; prints one
 * line either way: "state: NAME loaded from slot S, sequence Q, N bytes" or
 * "state: NAME: no valid record (<why>)", each slot's problem named.
 */
int bf_state_load(const char *name, void *buf, uint32_t cap, uint32_t *len);
/*
 * Saves len bytes of buf as the new record `name`. Returns 0 when the record is on the disk
 * (written and flushed), else a negative error; prints one line:
 * "state: NAME saved to slot S, sequence Q, N bytes" or "state: NAME: save failed (<why>)".
 */
int bf_state_save(const char *name, const void *buf, uint32_t len);
/* The sequence number of the last record loaded or saved under `name` in this boot, 0 if none. */
uint32_t bf_state_sequence(const char *name);
/* A short text for a BF_STATE_ERR_ or FAT16_ERR_ code, for the caller's own messages. */
const char *bf_state_strerror(int err);

#endif
