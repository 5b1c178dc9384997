/* FAT16: boot sector, FAT chains (a cached FAT sector written back to every FAT copy),
 * directory search and whole-file reads. Writing files is fat16_write.c's. */
#include <stdint.h>
#include <bf/ata.h>
#include <bf/fat16.h>
#include <bf/fat16_volume.h>
#include <bf/string.h>

#define FAT16_MIN_CLUSTERS 4085u  /* fewer: FAT12 */
#define FAT16_MAX_CLUSTERS 65524u /* more: FAT32 */

/* The walker's answers besides negative errors. */
#define WALK_END 0
#define WALK_STOP 1

struct fat16_volume fat16_vol;

/* One FAT sector (of the first FAT), cached: following a chain reads the same sector many times
 * in a row, and allocating clusters changes it many times; fat16_fat_sync() writes it back. */
static uint8_t fat_cache[SECTOR] __attribute__((aligned(4)));
static uint32_t fat_cache_lba;
static int fat_cache_valid;
static int fat_cache_dirty;

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

int fat16_sectors_read(uint32_t lba, uint32_t count, void *buf)
{
    return ata_read(fat16_vol.drive, lba, count, buf) == 0 ? 0 : FAT16_ERR_IO;
}

int fat16_sectors_write(uint32_t lba, uint32_t count, const void *buf)
{
    return ata_write(fat16_vol.drive, lba, count, buf) == 0 ? 0 : FAT16_ERR_IO;
}

#define read_sectors fat16_sectors_read

int fat16_cluster_valid(uint32_t cluster)
{
    return cluster >= 2 && cluster < fat16_vol.clusters + 2;
}

uint32_t fat16_cluster_lba(uint32_t cluster)
{
    return fat16_vol.data_lba + (cluster - 2) * fat16_vol.sectors_per_cluster;
}

#define cluster_valid fat16_cluster_valid
#define cluster_lba fat16_cluster_lba

int fat16_fat_sync(void)
{
    if (!fat_cache_valid || !fat_cache_dirty)
        return 0;
    /* The same sector of every FAT copy, the first copy first. */
    for (uint32_t i = 0; i < fat16_vol.fats; i++) {
        if (fat16_sectors_write(fat_cache_lba + i * fat16_vol.fat_sectors, 1, fat_cache) != 0)
            return FAT16_ERR_IO;
    }
    fat_cache_dirty = 0;
    return 0;
}

/* The cached FAT sector holding cluster's entry; its offset in *at. */
static int fat_sector(uint32_t cluster, uint32_t *at)
{
    uint32_t offset = cluster * 2;
    uint32_t lba = fat16_vol.fat_lba + offset / SECTOR;
    if (!fat_cache_valid || fat_cache_lba != lba) {
        int r = fat16_fat_sync();
        if (r != 0)
            return r;
        fat_cache_valid = 0;
        if (read_sectors(lba, 1, fat_cache) != 0)
            return FAT16_ERR_IO;
        fat_cache_lba = lba;
        fat_cache_valid = 1;
    }
    *at = offset % SECTOR;
    return 0;
}

int fat16_fat_get(uint32_t cluster, uint32_t *next)
{
    uint32_t at;
    int r = fat_sector(cluster, &at);
    if (r == 0)
        *next = le16(fat_cache + at);
    return r;
}

int fat16_fat_set(uint32_t cluster, uint32_t value)
{
    uint32_t at;
    int r = fat_sector(cluster, &at);
    if (r != 0)
        return r;
    fat_cache[at] = (uint8_t)value;
    fat_cache[at + 1] = (uint8_t)(value >> 8);
    fat_cache_dirty = 1;
    return 0;
}

#define fat_next fat16_fat_get

/* Fills fat16_vol from a boot sector at volume_lba; FAT16_ERR_NOT_FAT16 unless it is a FAT16 BPB. */
static int parse_bpb(const uint8_t *bs, uint32_t volume_lba, int drive)
{
    uint32_t bytes_per_sector = le16(bs + 0x0B);
    uint32_t per_cluster = bs[0x0D];
    uint32_t reserved = le16(bs + 0x0E);
    uint32_t fats = bs[0x10];
    uint32_t root_entries = le16(bs + 0x11);
    uint32_t total = le16(bs + 0x13);
    uint32_t fat_size = le16(bs + 0x16);

    if (total == 0)
        total = le32(bs + 0x20);
    if (le16(bs + 0x1FE) != 0xAA55 || bytes_per_sector != SECTOR)
        return FAT16_ERR_NOT_FAT16;
    if (per_cluster == 0 || (per_cluster & (per_cluster - 1)) || reserved == 0 || fats == 0 ||
        root_entries == 0 || fat_size == 0)
        return FAT16_ERR_NOT_FAT16; /* FAT32 has no fixed root directory and a 0 here */

    uint32_t root_sectors = (root_entries * DIR_ENTRY_SIZE + SECTOR - 1) / SECTOR;
    uint32_t meta = reserved + fats * fat_size + root_sectors;
    if (total <= meta)
        return FAT16_ERR_NOT_FAT16;
    /* The cluster count, not the type string, decides the FAT type. */
    uint32_t clusters = (total - meta) / per_cluster;
    if (clusters < FAT16_MIN_CLUSTERS || clusters > FAT16_MAX_CLUSTERS)
        return FAT16_ERR_NOT_FAT16;
    if (fat_size * SECTOR / 2 < clusters + 2)
        return FAT16_ERR_NOT_FAT16; /* the FAT cannot describe every cluster */
    if (volume_lba + total > ata_sectors(drive))
        return FAT16_ERR_NOT_FAT16;

    memset(&fat16_vol, 0, sizeof(fat16_vol));
    fat16_vol.drive = drive;
    fat16_vol.fat_lba = volume_lba + reserved;
    fat16_vol.fats = fats;
    fat16_vol.fat_sectors = fat_size;
    fat16_vol.root_lba = fat16_vol.fat_lba + fats * fat_size;
    fat16_vol.root_sectors = root_sectors;
    fat16_vol.data_lba = fat16_vol.root_lba + root_sectors;
    fat16_vol.sectors_per_cluster = per_cluster;
    fat16_vol.clusters = clusters;
    if (bs[0x26] == 0x29) { /* extended boot record: label at 0x2B */
        int n = 11;
        memcpy(fat16_vol.label, bs + 0x2B, 11);
        while (n > 0 && fat16_vol.label[n - 1] == ' ')
            n--;
        fat16_vol.label[n] = '\0';
    }
    return 0;
}

int fat16_mount(int drive)
{
    uint8_t bs[SECTOR] __attribute__((aligned(4)));

    fat16_vol.mounted = 0;
    fat_cache_valid = 0;
    fat_cache_dirty = 0;
    if (!ata_present(drive))
        return FAT16_ERR_NO_DRIVE;
    fat16_vol.drive = drive;
    if (read_sectors(0, 1, bs) != 0)
        return FAT16_ERR_IO;

    /* A superfloppy: the boot sector is LBA 0. */
    int r = parse_bpb(bs, 0, drive);
    if (r == 0) {
        fat16_vol.mounted = 1;
        return 0;
    }

    /* Otherwise an MBR: take the first FAT16 partition (types 04, 06, 0E). */
    if (le16(bs + 0x1FE) != 0xAA55)
        return FAT16_ERR_NOT_FAT16;
    for (int i = 0; i < 4; i++) {
        const uint8_t *entry = bs + 0x1BE + 16 * i;
        uint8_t type = entry[4];
        if (type != 0x04 && type != 0x06 && type != 0x0E)
            continue;
        uint32_t start = le32(entry + 8);
        uint8_t pbs[SECTOR] __attribute__((aligned(4)));
        fat16_vol.drive = drive;
        if (start == 0 || read_sectors(start, 1, pbs) != 0)
            return FAT16_ERR_IO;
        r = parse_bpb(pbs, start, drive);
        if (r == 0)
            fat16_vol.mounted = 1;
        return r;
    }
    return FAT16_ERR_NOT_FAT16;
}

const char *fat16_label(void)
{
    return fat16_vol.mounted ? fat16_vol.label : "";
}

int fat16_decode_entry(const uint8_t *raw, struct fat16_file *out)
{
    uint8_t attr = raw[11];
    if (raw[0] == ENTRY_DELETED || attr == ATTR_LONG_NAME || (attr & ATTR_VOLUME_ID))
        return 0;

    int n = 0;
    for (int i = 0; i < 8 && raw[i] != ' '; i++)
        out->name[n++] = (char)raw[i];
    if (n > 0 && (uint8_t)out->name[0] == ENTRY_KANJI_E5)
        out->name[0] = (char)ENTRY_DELETED;
    if (raw[8] != ' ') {
        out->name[n++] = '.';
        for (int i = 8; i < 11 && raw[i] != ' '; i++)
            out->name[n++] = (char)raw[i];
    }
    out->name[n] = '\0';
    out->attr = attr;
    out->first_cluster = le16(raw + 0x1A);
    out->size = (attr & FAT16_ATTR_DIRECTORY) ? 0 : le32(raw + 0x1C);
    return 1;
}

/* Called for every used 32-byte slot; returns WALK_END to go on, WALK_STOP, or an error. */
typedef int (*slot_fn)(const uint8_t *raw, void *ctx);

/* Scans one directory sector; WALK_STOP also when the end marker is reached. */
static int walk_sector(uint32_t lba, slot_fn fn, void *ctx, int *at_end)
{
    /* A buffer per call: callbacks may read the disk themselves. */
    uint8_t buf[SECTOR] __attribute__((aligned(4)));
    if (read_sectors(lba, 1, buf) != 0)
        return FAT16_ERR_IO;
    for (int i = 0; i < ENTRIES_PER_SECTOR; i++) {
        const uint8_t *raw = buf + i * DIR_ENTRY_SIZE;
        if (raw[0] == ENTRY_END) {
            *at_end = 1;
            return WALK_END;
        }
        int r = fn(raw, ctx);
        if (r != WALK_END)
            return r;
    }
    return WALK_END;
}

/* Every slot of a directory: the fixed root region if first_cluster is 0, else a chain. */
static int walk_dir(uint32_t first_cluster, slot_fn fn, void *ctx)
{
    int at_end = 0, r;

    if (first_cluster == 0) {
        for (uint32_t s = 0; s < fat16_vol.root_sectors && !at_end; s++) {
            if ((r = walk_sector(fat16_vol.root_lba + s, fn, ctx, &at_end)) != WALK_END)
                return r;
        }
        return WALK_END;
    }

    uint32_t cluster = first_cluster;
    for (uint32_t steps = 0; !at_end; steps++) {
        if (!cluster_valid(cluster) || steps >= fat16_vol.clusters)
            return FAT16_ERR_CORRUPT; /* leaves the disk, or loops */
        for (uint32_t s = 0; s < fat16_vol.sectors_per_cluster && !at_end; s++) {
            if ((r = walk_sector(cluster_lba(cluster) + s, fn, ctx, &at_end)) != WALK_END)
                return r;
        }
        if (at_end)
            break;
        if ((r = fat_next(cluster, &cluster)) != 0)
            return r;
        if (cluster >= FAT_END_OF_CHAIN)
            break;
    }
    return WALK_END;
}

/* Characters a short name may not contain. */
static int invalid_83_char(char c)
{
    static const char bad[] = "\"*+,/:;<=>?[\\]|";
    for (const char *p = bad; *p; p++) {
        if (*p == c)
            return 1;
    }
    return (unsigned char)c <= ' ' || c == 0x7F;
}

int fat16_name83(const char *s, uint32_t len, uint8_t out[11])
{
    memset(out, ' ', 11);
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) {
        memcpy(out, s, len);
        return 0;
    }
    uint32_t pos = 0, limit = 8;
    int seen_dot = 0;
    for (uint32_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.') {
            if (seen_dot || pos == 0)
                return FAT16_ERR_BAD_PATH;
            seen_dot = 1;
            pos = 8;
            limit = 11;
            continue;
        }
        if (invalid_83_char(c))
            return FAT16_ERR_BAD_PATH;
        if (pos >= limit)
            return FAT16_ERR_BAD_PATH;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        out[pos++] = (uint8_t)c;
    }
    if (pos == 0 || (seen_dot && pos == 8))
        return FAT16_ERR_BAD_PATH; /* empty name, or "NAME." */
    if (out[0] == ENTRY_DELETED)
        out[0] = ENTRY_KANJI_E5;
    return 0;
}

struct find {
    uint8_t name[11];
    struct fat16_file *found;
};

static int find_slot(const uint8_t *raw, void *ctx)
{
    struct find *f = ctx;
    if (raw[11] == ATTR_LONG_NAME || (raw[11] & ATTR_VOLUME_ID) || memcmp(raw, f->name, 11) != 0)
        return WALK_END;
    if (!fat16_decode_entry(raw, f->found))
        return WALK_END;
    return WALK_STOP;
}

int fat16_open(const char *path, struct fat16_file *file)
{
    if (!fat16_vol.mounted)
        return FAT16_ERR_NOT_MOUNTED;
    if (!path || !file)
        return FAT16_ERR_BAD_PATH;

    struct fat16_file cur = { "/", FAT16_ATTR_DIRECTORY, 0, 0 };
    while (*path) {
        while (*path == '/')
            path++;
        if (!*path)
            break;
        uint32_t len = 0;
        while (path[len] && path[len] != '/')
            len++;

        struct find f;
        struct fat16_file next;
        int r = fat16_name83(path, len, f.name);
        if (r != 0)
            return r;
        if (!(cur.attr & FAT16_ATTR_DIRECTORY))
            return FAT16_ERR_NOT_DIR;
        f.found = &next;
        r = walk_dir(cur.first_cluster, find_slot, &f);
        if (r < 0)
            return r;
        if (r != WALK_STOP)
            return FAT16_ERR_NOT_FOUND;
        cur = next;
        path += len;
    }
    *file = cur;
    return 0;
}

struct listing {
    fat16_list_fn fn;
    void *ctx;
    int count;
};

static int list_slot(const uint8_t *raw, void *ctx)
{
    struct listing *l = ctx;
    struct fat16_file entry;
    if (raw[0] == '.' || !fat16_decode_entry(raw, &entry))
        return WALK_END;
    l->count++;
    return l->fn(&entry, l->ctx) ? WALK_STOP : WALK_END;
}

int fat16_list(const char *dirpath, fat16_list_fn fn, void *ctx)
{
    struct fat16_file dir;
    int r = fat16_open(dirpath, &dir);
    if (r != 0)
        return r;
    if (!(dir.attr & FAT16_ATTR_DIRECTORY))
        return FAT16_ERR_NOT_DIR;
    if (!fn)
        return FAT16_ERR_BAD_PATH;
    struct listing l = { fn, ctx, 0 };
    r = walk_dir(dir.first_cluster, list_slot, &l);
    return r < 0 ? r : l.count;
}

int fat16_read(const struct fat16_file *file, void *buf, uint32_t bufsize)
{
    if (!fat16_vol.mounted)
        return FAT16_ERR_NOT_MOUNTED;
    if (file->attr & FAT16_ATTR_DIRECTORY)
        return FAT16_ERR_IS_DIR;
    if (file->size > bufsize)
        return FAT16_ERR_NO_SPACE;

    uint8_t *dst = buf;
    uint32_t remaining = file->size;
    uint32_t cluster = file->first_cluster;
    int r;
    while (remaining) {
        if (!cluster_valid(cluster))
            return FAT16_ERR_CORRUPT;
        /* Whole sectors straight into the caller's buffer: a run of consecutive clusters (a
         * file mcopy wrote is one run) in one request, which loads a large file much faster. */
        uint32_t per_cluster = fat16_vol.sectors_per_cluster;
        uint32_t run = 1, next = cluster;
        while (remaining / SECTOR > run * per_cluster && run * per_cluster < 1024) {
            if ((r = fat_next(next, &next)) != 0)
                return r;
            if (next != cluster + run || !cluster_valid(next))
                break;
            run++;
        }
        uint32_t whole = remaining / SECTOR, lba = cluster_lba(cluster);
        if (whole > run * per_cluster)
            whole = run * per_cluster;
        if (whole && (r = read_sectors(lba, whole, dst)) != 0)
            return r;
        dst += whole * SECTOR;
        remaining -= whole * SECTOR;
        if (remaining && whole < run * per_cluster) {
            /* The file ends inside the next sector of the run: bounce it. */
            uint8_t tail[SECTOR] __attribute__((aligned(4)));
            if ((r = read_sectors(lba + whole, 1, tail)) != 0)
                return r;
            memcpy(dst, tail, remaining);
            remaining = 0;
        }
        if (remaining) {
            cluster += run - 1; /* the run's last cluster */
            if ((r = fat_next(cluster, &cluster)) != 0)
                return r;
            if (cluster >= FAT_END_OF_CHAIN)
                return FAT16_ERR_CORRUPT; /* the chain ends before the file does */
        }
    }
    return (int)file->size;
}
