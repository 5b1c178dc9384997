/*
 * The inside of the FAT16 driver, shared by its reading half (fat16.c) and its writing half
 * (fat16_write.c); nothing else includes it. Callers use bf/fat16.h.
 */
#ifndef BF_FAT16_VOLUME_H
#define BF_FAT16_VOLUME_H

#include <stdint.h>
#include <bf/fat16.h>

#define SECTOR 512
#define DIR_ENTRY_SIZE 32
#define ENTRIES_PER_SECTOR (SECTOR / DIR_ENTRY_SIZE)

#define ATTR_VOLUME_ID 0x08
#define ATTR_LONG_NAME 0x0F
#define ATTR_ARCHIVE 0x20
#define ENTRY_END 0x00     /* first name byte: no further entries */
#define ENTRY_DELETED 0xE5
#define ENTRY_KANJI_E5 0x05 /* stands for a real leading 0xE5 byte */

#define FAT_FREE 0x0000u
#define FAT_END_OF_CHAIN 0xFFF8u /* this and above: the last cluster of a chain */
#define FAT_EOC_MARK 0xFFFFu     /* what a new chain's last entry gets */

struct fat16_volume {
    int mounted;
    int drive;
    uint32_t fat_lba;     /* the first FAT */
    uint32_t fats;        /* copies of the FAT, each fat_sectors long, one after the other */
    uint32_t fat_sectors;
    uint32_t root_lba;
    uint32_t root_sectors;
    uint32_t data_lba;
    uint32_t sectors_per_cluster;
    uint32_t clusters; /* data clusters: numbers 2 .. clusters + 1 */
    char label[12];
};

extern struct fat16_volume fat16_vol;

/* Sector I/O on the mounted drive: 0 or FAT16_ERR_IO. */
int fat16_sectors_read(uint32_t lba, uint32_t count, void *buf);
int fat16_sectors_write(uint32_t lba, uint32_t count, const void *buf);
int fat16_cluster_valid(uint32_t cluster);
uint32_t fat16_cluster_lba(uint32_t cluster);
/* A FAT entry, through a one-sector cache. A set stays in the cache until fat16_fat_sync() (or
 * the next get or set of another sector) writes it to every FAT copy. */
int fat16_fat_get(uint32_t cluster, uint32_t *value);
int fat16_fat_set(uint32_t cluster, uint32_t value);
int fat16_fat_sync(void);
/* A directory entry as a fat16_file; 0 if the slot holds no file or directory to show. */
int fat16_decode_entry(const uint8_t *raw, struct fat16_file *out);
/* One path component as the 11 blank-padded upper-case bytes of a directory entry. */
int fat16_name83(const char *s, uint32_t len, uint8_t out[11]);

#endif
