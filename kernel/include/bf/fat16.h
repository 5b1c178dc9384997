/*
 * FAT16 on an ATA drive (bf/ata.h): 512-byte sectors, 8.3 names (long names are skipped, never
 * written), one mounted volume at a time; reads, and writes that create or overwrite files. The volume is either the whole disk (a "superfloppy",
 * as `mformat -i disk.img ::` makes) or the first FAT16 partition of an MBR.
 * Paths are absolute or relative to the root, '/'-separated, case-insensitive:
 * "/MODULES/FIBONACC.MOD". Not for IRQ handlers; a listing callback may call the other functions.
 */
#ifndef BF_FAT16_H
#define BF_FAT16_H

#include <stdint.h>

#define FAT16_ERR_IO (-10)          /* the disk read failed */
#define FAT16_ERR_NOT_FAT16 (-11)   /* no FAT16 boot sector, or not 512-byte sectors */
#define FAT16_ERR_NOT_MOUNTED (-12)
#define FAT16_ERR_BAD_PATH (-13)    /* a component is not a valid 8.3 name */
#define FAT16_ERR_NOT_FOUND (-14)
#define FAT16_ERR_NOT_DIR (-15)     /* a file where a directory was needed */
#define FAT16_ERR_IS_DIR (-16)      /* a directory where a file was needed */
#define FAT16_ERR_CORRUPT (-17)     /* a cluster chain that is too short, loops or leaves the disk */
#define FAT16_ERR_NO_SPACE (-18)    /* the buffer is smaller than the file */
#define FAT16_ERR_NO_DRIVE (-19)    /* ata_init() found no such drive */
#define FAT16_ERR_DISK_FULL (-20)   /* no free cluster, or no free entry in the root directory */
#define FAT16_ERR_RANGE (-21)       /* fat16_pread/pwrite beyond the end of the file */

#define FAT16_ATTR_DIRECTORY 0x10

struct fat16_file {
    char name[13];          /* "NAME.EXT", or "NAME" without an extension */
    uint8_t attr;           /* FAT attribute bits */
    uint16_t first_cluster; /* 0 for an empty file (and for the root directory) */
    uint32_t size;          /* bytes; 0 for directories */
};

/* Called once per directory entry; a non-zero return stops the listing. */
typedef int (*fat16_list_fn)(const struct fat16_file *entry, void *ctx);

/* Reads the boot sector of `drive` and mounts it. Returns 0 or a negative error. */
int fat16_mount(int drive);
/* The volume label from the boot sector ("" if none or not mounted). */
const char *fat16_label(void);
/* Finds a file or directory ("/" is the root). Returns 0 and fills *file, or an error. */
int fat16_open(const char *path, struct fat16_file *file);
/*
 * Calls fn for each entry of the directory at dirpath, skipping ".", "..", the volume label and
 * long-name entries. Returns the number of entries passed to fn, or a negative error.
 */
int fat16_list(const char *dirpath, fat16_list_fn fn, void *ctx);
/*
 * Reads the whole file into buf, following its cluster chain. Returns its size, or
 * FAT16_ERR_NO_SPACE (nothing read) if the file is larger than bufsize, or another error.
 */
int fat16_read(const struct fat16_file *file, void *buf, uint32_t bufsize);
/* Reads len bytes at offset of the file; FAT16_ERR_RANGE if they go past its end. Returns 0. */
int fat16_pread(const struct fat16_file *file, uint32_t offset, void *buf, uint32_t len);

/*
 * Writing. The folder must exist (fat16_mkdir). Changed FAT sectors go to every FAT copy; the
 * drive's write cache is flushed only by fat16_flush(). No write is atomic: a power loss in the
 * middle leaves a mix of old and new sectors (bf/state_store.h builds crash-safe records on
 * fat16_pwrite, which changes no FAT or directory sector).
 */
/* Creates or overwrites the file at path with len bytes of buf: its cluster chain grows or
 * shrinks to fit, the directory entry gets the new size. Returns 0 or an error. */
int fat16_write_file(const char *path, const void *buf, uint32_t len);
/* As fat16_write_file, but only sizes the file to len bytes: their content is whatever the
 * clusters held (preallocation, before fat16_pwrite fills it). */
int fat16_allocate(const char *path, uint32_t len);
/* Makes the folder at path (its parent must exist); 0 also when it already exists. */
int fat16_mkdir(const char *path);
/* Writes len bytes at offset inside the file, in place: FAT16_ERR_RANGE if they go past its end.
 * No FAT or directory sector is written. Returns 0. */
int fat16_pwrite(const struct fat16_file *file, uint32_t offset, const void *buf, uint32_t len);
/* Writes the cached FAT sector back and flushes the drive's write cache. Returns 0 or an error. */
int fat16_flush(void);

#endif
