/*
 * The data disk: ATA drive 1 (QEMU -drive ...,if=ide,index=1), whose FAT16 volume
 * bf_runtime_init() mounts when it is there. Files on it are then read through bf/fat16.h.
 */
#ifndef BF_DATA_DISK_H
#define BF_DATA_DISK_H

#define DATA_DISK_MOUNTED 1
#define DATA_DISK_NONE 0 /* no ATA drive 1 */
/* Negative: drive 1 is there but fat16_mount() failed with this error (bf/fat16.h). */

/*
 * Identifies the ATA drives and mounts drive 1's FAT16 volume, printing
 * "data disk: FAT16 volume '<label>' mounted" when it succeeds; prints nothing otherwise (the
 * users of the disk say what they do without it). Returns the status, as data_disk_status().
 */
int data_disk_init(void);
/* DATA_DISK_MOUNTED, DATA_DISK_NONE (also before data_disk_init()) or a FAT16 error. */
int data_disk_status(void);

#endif
