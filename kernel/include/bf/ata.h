/*
 * ATA disks on the primary IDE bus (ports 0x1F0-0x1F7, 0x3F6): PIO, LBA28, polling with
 * timeouts (IRQs stay off), reads, writes and cache flushes. Drive 0 is the master (the boot disk, QEMU
 * -drive ...,if=ide,index=0), drive 1 the slave (the data disk, index=1).
 */
#ifndef BF_ATA_H
#define BF_ATA_H

#include <stdint.h>

#define ATA_SECTOR_SIZE 512
#define ATA_BOOT_DISK 0
#define ATA_DATA_DISK 1

#define ATA_ERR_NODEV (-1)   /* no such drive, or ata_init() found none */
#define ATA_ERR_TIMEOUT (-2) /* the drive stayed busy, or never offered data */
#define ATA_ERR_IO (-3)      /* the drive reported an error (status ERR or DF) */
#define ATA_ERR_RANGE (-4)   /* the sectors lie beyond the end of the drive */
#define ATA_ERR_ARG (-5)     /* NULL buffer */

/* Identifies both drives with IDENTIFY DEVICE; returns how many ATA drives answered. */
int ata_init(void);
int ata_present(int drive);
/* Addressable sectors (LBA28), 0 if the drive is absent. */
uint32_t ata_sectors(int drive);
/* The model string from IDENTIFY, trailing spaces removed; "" if absent. */
const char *ata_model(int drive);
/* Reads count sectors from lba into buf (count * 512 bytes). Returns 0 or an ATA_ERR_ code. */
int ata_read(int drive, uint32_t lba, uint32_t count, void *buf);
/*
 * Writes count sectors from buf to lba. Returns 0 or an ATA_ERR_ code. The drive may keep the
 * data in its write cache: only ata_flush() makes it durable.
 */
int ata_write(int drive, uint32_t lba, uint32_t count, const void *buf);
/* FLUSH CACHE (0xE7): every sector written before is on the medium. Returns 0 or ATA_ERR_. */
int ata_flush(int drive);

#endif
