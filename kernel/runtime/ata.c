/* ATA PIO driver for the primary bus: IDENTIFY, READ SECTORS or MULTIPLE, WRITE SECTORS (LBA28),
 * FLUSH CACHE. */
#include <stdint.h>
#include <bf/ata.h>
#include <bf/io.h>
#include <bf/sampler.h>
#include <bf/string.h>

#define IO_BASE 0x1F0
#define REG_DATA (IO_BASE + 0)
#define REG_FEATURES (IO_BASE + 1)
#define REG_SECCOUNT (IO_BASE + 2)
#define REG_LBA0 (IO_BASE + 3)
#define REG_LBA1 (IO_BASE + 4)
#define REG_LBA2 (IO_BASE + 5)
#define REG_DRIVE (IO_BASE + 6)
#define REG_STATUS (IO_BASE + 7) /* read */
#define REG_COMMAND (IO_BASE + 7) /* write */
#define REG_ALT_STATUS 0x3F6 /* read: status without side effects */
#define REG_CONTROL 0x3F6 /* write */

#define ST_BSY 0x80
#define ST_DF 0x20
#define ST_DRQ 0x08
#define ST_ERR 0x01

#define CTRL_NIEN 0x02 /* no interrupts: everything here polls */
#define DRIVE_LBA 0xE0 /* bits 7 and 5 always set, bit 6 LBA */
#define CMD_READ_SECTORS 0x20
#define CMD_WRITE_SECTORS 0x30
#define CMD_FLUSH_CACHE 0xE7
#define CMD_IDENTIFY 0xEC
#define CMD_READ_MULTIPLE 0xC4
#define CMD_SET_MULTIPLE 0xC6

/* Status reads before giving up: under an emulator on a loaded host a read completes when the
 * host gets to it, which can take far longer than the millisecond of real hardware, so the bound
 * is generous (a minute and more on hardware); an absent drive is noticed at once, not by this. */
#define TIMEOUT_SPINS 100000000u
#define MAX_SECTORS_PER_COMMAND 256u /* a sector count of 0 means 256 */

struct drive {
    int present;
    uint32_t sectors;
    uint32_t multiple; /* sectors per data request of READ MULTIPLE; 0: READ SECTORS */
    char model[41];
};

static struct drive drives[2];

static int valid(int drive)
{
    return drive == 0 || drive == 1;
}

/* Four status reads: the 400 ns a drive needs to update its status after a register write. */
static void delay_400ns(void)
{
    for (int i = 0; i < 4; i++)
        (void)inb(REG_ALT_STATUS);
}

static void select_drive(int drive, uint32_t lba_high)
{
    outb(REG_DRIVE, (uint8_t)(DRIVE_LBA | (drive << 4) | (lba_high & 0x0F)));
    delay_400ns();
}

/* The status once BSY is clear, or ATA_ERR_TIMEOUT. */
static int wait_not_busy(void)
{
    for (uint32_t i = 0; i < TIMEOUT_SPINS; i++) {
        uint8_t s = inb(REG_ALT_STATUS);
        if (!(s & ST_BSY))
            return s;
    }
    return ATA_ERR_TIMEOUT;
}

/* Waits until the drive offers a sector (DRQ) or reports an error. */
static int wait_data(void)
{
    for (uint32_t i = 0; i < TIMEOUT_SPINS; i++) {
        uint8_t s = inb(REG_ALT_STATUS);
        if (s & ST_BSY)
            continue;
        if (s & (ST_ERR | ST_DF))
            return ATA_ERR_IO;
        if (s & ST_DRQ)
            return 0;
    }
    return ATA_ERR_TIMEOUT;
}

/* 32-bit reads of the data port (the IDE controller, QEMU's included, takes them): half the
 * port accesses of insw, which under emulation is what loading a 60 MB model costs. */
static void read_words(void *buf, uint32_t words)
{
    uint32_t dwords = words / 2;
    __asm__ __volatile__("rep insl" : "+D"(buf), "+c"(dwords) : "d"(REG_DATA) : "memory");
}

static void write_words(const void *buf, uint32_t words)
{
    __asm__ __volatile__("rep outsw" : "+S"(buf), "+c"(words) : "d"(REG_DATA) : "memory");
}

/* IDENTIFY strings hold two characters per word, the first in the high byte. */
static void copy_model(char *dst, const uint16_t *id)
{
    for (int i = 0; i < 20; i++) {
        dst[2 * i] = (char)(id[27 + i] >> 8);
        dst[2 * i + 1] = (char)id[27 + i];
    }
    int n = 40;
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
        n--;
    dst[n] = '\0';
}

/* READ MULTIPLE moves up to `most` sectors (IDENTIFY word 47; QEMU: 16) per data request
 * instead of one: under emulation each request costs about as much as its data, so a large model
 * loads several times faster. Returns the block size set, or 0 (the drive refused). */
static uint32_t set_multiple(int drive, uint32_t most)
{
    if (most < 2)
        return 0;
    select_drive(drive, 0);
    outb(REG_SECCOUNT, (uint8_t)most);
    outb(REG_COMMAND, CMD_SET_MULTIPLE);
    delay_400ns();
    int s = wait_not_busy();
    return s < 0 || (s & (ST_ERR | ST_DF)) ? 0 : most;
}

static int identify(int drive)
{
    uint16_t id[256];
    struct drive *d = &drives[drive];

    memset(d, 0, sizeof(*d));
    select_drive(drive, 0);
    outb(REG_SECCOUNT, 0);
    outb(REG_LBA0, 0);
    outb(REG_LBA1, 0);
    outb(REG_LBA2, 0);
    outb(REG_COMMAND, CMD_IDENTIFY);
    delay_400ns();
    if (inb(REG_STATUS) == 0)
        return 0; /* nothing answers on this position */
    if (wait_not_busy() < 0)
        return 0;
    /* ATAPI and SATA devices abort IDENTIFY and leave a signature here. */
    if (inb(REG_LBA1) != 0 || inb(REG_LBA2) != 0)
        return 0;
    if (wait_data() != 0)
        return 0;
    read_words(id, 256);
    (void)inb(REG_STATUS);

    if (id[0] & 0x8000)
        return 0; /* not an ATA device */
    if (!(id[49] & 0x0200))
        return 0; /* no LBA; CHS is not supported here */
    d->sectors = (uint32_t)id[60] | ((uint32_t)id[61] << 16);
    if (d->sectors == 0)
        return 0;
    copy_model(d->model, id);
    d->present = 1;
    d->multiple = set_multiple(drive, id[47] & 0xFF);
    return 1;
}

int ata_init(void)
{
    memset(drives, 0, sizeof(drives));
    /* A floating bus reads 0xFF: no controller, no drives. */
    if (inb(REG_STATUS) == 0xFF)
        return 0;
    outb(REG_CONTROL, CTRL_NIEN);
    int found = 0;
    for (int drive = 0; drive < 2; drive++)
        found += identify(drive);
    return found;
}

int ata_present(int drive)
{
    return valid(drive) && drives[drive].present;
}

uint32_t ata_sectors(int drive)
{
    return ata_present(drive) ? drives[drive].sectors : 0;
}

const char *ata_model(int drive)
{
    return ata_present(drive) ? drives[drive].model : "";
}

/* Waits for the end of a write or flush command: BSY clear, then no error. */
static int wait_done(void)
{
    int s = wait_not_busy();
    if (s < 0)
        return s;
    return (s & (ST_ERR | ST_DF)) ? ATA_ERR_IO : 0;
}

/* READ SECTORS into buf, or WRITE SECTORS from it, at most 256 sectors a command. */
static int transfer(int drive, uint32_t lba, uint32_t count, uint8_t *buf, int writing)
{
    if (!ata_present(drive))
        return ATA_ERR_NODEV;
    if (!buf)
        return ATA_ERR_ARG;
    uint32_t total = drives[drive].sectors;
    if (lba > total || count > total - lba)
        return ATA_ERR_RANGE;

    while (count) {
        uint32_t n = count < MAX_SECTORS_PER_COMMAND ? count : MAX_SECTORS_PER_COMMAND;
        int r = wait_not_busy();
        if (r < 0)
            return r;
        select_drive(drive, lba >> 24);
        if ((r = wait_not_busy()) < 0)
            return r;
        outb(REG_FEATURES, 0);
        outb(REG_SECCOUNT, (uint8_t)n); /* 256 is written as 0 */
        outb(REG_LBA0, (uint8_t)lba);
        outb(REG_LBA1, (uint8_t)(lba >> 8));
        outb(REG_LBA2, (uint8_t)(lba >> 16));
        uint32_t block = writing || !drives[drive].multiple ? 1 : drives[drive].multiple;
        outb(REG_COMMAND, writing ? CMD_WRITE_SECTORS
                                  : block > 1 ? CMD_READ_MULTIPLE : CMD_READ_SECTORS);
        for (uint32_t i = 0; i < n; i += block) {
            uint32_t k = n - i < block ? n - i : block; /* the last block may be shorter */
            delay_400ns();
            if ((r = wait_data()) != 0)
                return r;
            if (writing)
                write_words(buf, ATA_SECTOR_SIZE / 2);
            else
                read_words(buf, k * ATA_SECTOR_SIZE / 2);
            buf += k * ATA_SECTOR_SIZE;
        }
        if (writing) {
            delay_400ns();
            if ((r = wait_done()) != 0) /* the drive took the last sector, or failed */
                return r;
        } else {
            (void)inb(REG_STATUS); /* acknowledge the command */
        }
        lba += n;
        count -= n;
    }
    return 0;
}

static int flush_cache(int drive)
{
    if (!ata_present(drive))
        return ATA_ERR_NODEV;
    int r = wait_not_busy();
    if (r < 0)
        return r;
    select_drive(drive, 0);
    outb(REG_COMMAND, CMD_FLUSH_CACHE);
    delay_400ns();
    return wait_done();
}

int ata_write(int drive, uint32_t lba, uint32_t count, const void *buf)
{
    bf_sampler_pause();
    int r = transfer(drive, lba, count, (uint8_t *)buf, 1);
    bf_sampler_resume();
    return r;
}

int ata_flush(int drive)
{
    bf_sampler_pause();
    int r = flush_cache(drive);
    bf_sampler_resume();
    return r;
}

int ata_read(int drive, uint32_t lba, uint32_t count, void *buf)
{
    bf_sampler_pause(); /* the wait depends on the host: not sampled (bf/sampler.h) */
    int r = transfer(drive, lba, count, buf, 0);
    bf_sampler_resume();
    return r;
}
