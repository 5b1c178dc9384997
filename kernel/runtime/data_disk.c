/* Mounting the data disk at boot; see bf/data_disk.h. */
#include <bf/ata.h>
#include <bf/console.h>
#include <bf/data_disk.h>
#include <bf/fat16.h>

static int status = DATA_DISK_NONE;

int data_disk_init(void)
{
    if (ata_init() <= 0 || !ata_present(ATA_DATA_DISK)) {
        status = DATA_DISK_NONE;
        return status;
    }
    int rc = fat16_mount(ATA_DATA_DISK);
    status = rc == 0 ? DATA_DISK_MOUNTED : rc;
    if (status == DATA_DISK_MOUNTED)
        kprintf("data disk: FAT16 volume '%s' mounted\n", fat16_label());
    return status;
}

int data_disk_status(void)
{
    return status;
}
