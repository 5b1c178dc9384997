/* FAT16 writes: files created, resized and overwritten, folders made, bytes written in place;
 * see bf/fat16.h. Reading is fat16.c's. */
#include <stdint.h>
#include <bf/ata.h>
#include <bf/fat16.h>
#include <bf/fat16_volume.h>
#include <bf/string.h>

#define FAT_EPOCH_DATE 0x0021u /* 1980-01-01 00:00, the stamp the build gives its data disks */
#define MAX_PATH 128

/* Where a 32-byte directory entry lives on the disk. */
struct entry_at {
    uint32_t lba;
    uint32_t index;
};

struct dir_scan {
    uint8_t name[11];
    int found;
    struct entry_at at;
    uint8_t raw[DIR_ENTRY_SIZE];
    int have_free;
    struct entry_at free_at;
    uint32_t last_cluster; /* a chained directory's last cluster, where a new one is linked */
};

static uint32_t alloc_hint = 2;

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

static uint32_t cluster_bytes(void)
{
    return fat16_vol.sectors_per_cluster * SECTOR;
}

/* The next cluster of a chain, checked: FAT16_ERR_CORRUPT if it leaves the disk. */
static int next_cluster(uint32_t cluster, uint32_t *next)
{
    int r = fat16_fat_get(cluster, next);
    if (r == 0 && *next < FAT_END_OF_CHAIN && !fat16_cluster_valid(*next))
        return FAT16_ERR_CORRUPT;
    return r;
}

/* Looks for s->name in the directory starting at dir_cluster (0: the root region), noting the
 * first free entry on the way. */
static int scan_dir(uint32_t dir_cluster, struct dir_scan *s)
{
    uint8_t buf[SECTOR] __attribute__((aligned(4)));
    uint32_t cluster = dir_cluster, sector = 0, steps = 0;

    s->found = s->have_free = 0;
    s->last_cluster = dir_cluster;
    for (;;) {
        uint32_t lba;
        if (dir_cluster == 0) {
            if (sector >= fat16_vol.root_sectors)
                return 0;
            lba = fat16_vol.root_lba + sector;
        } else {
            if (sector == fat16_vol.sectors_per_cluster) {
                uint32_t next;
                int r = next_cluster(cluster, &next);
                if (r != 0)
                    return r;
                if (next >= FAT_END_OF_CHAIN)
                    return 0;
                if (++steps > fat16_vol.clusters)
                    return FAT16_ERR_CORRUPT; /* the chain loops */
                cluster = next;
                sector = 0;
            }
            if (!fat16_cluster_valid(cluster))
                return FAT16_ERR_CORRUPT;
            s->last_cluster = cluster;
            lba = fat16_cluster_lba(cluster) + sector;
        }
        if (fat16_sectors_read(lba, 1, buf) != 0)
            return FAT16_ERR_IO;
        for (uint32_t i = 0; i < ENTRIES_PER_SECTOR; i++) {
            const uint8_t *raw = buf + i * DIR_ENTRY_SIZE;
            if (raw[0] == ENTRY_END || raw[0] == ENTRY_DELETED) {
                if (!s->have_free) {
                    s->have_free = 1;
                    s->free_at = (struct entry_at){ lba, i };
                }
                if (raw[0] == ENTRY_END)
                    return 0;
                continue;
            }
            if (raw[11] == ATTR_LONG_NAME || (raw[11] & ATTR_VOLUME_ID))
                continue;
            if (memcmp(raw, s->name, 11) == 0) {
                s->found = 1;
                s->at = (struct entry_at){ lba, i };
                memcpy(s->raw, raw, DIR_ENTRY_SIZE);
                return 0;
            }
        }
        sector++;
    }
}

static int write_entry(struct entry_at at, const uint8_t raw[DIR_ENTRY_SIZE])
{
    uint8_t buf[SECTOR] __attribute__((aligned(4)));
    if (fat16_sectors_read(at.lba, 1, buf) != 0)
        return FAT16_ERR_IO;
    memcpy(buf + at.index * DIR_ENTRY_SIZE, raw, DIR_ENTRY_SIZE);
    return fat16_sectors_write(at.lba, 1, buf);
}

/* A free cluster, marked as the last of a chain. */
static int alloc_cluster(uint32_t *out)
{
    for (uint32_t n = 0; n < fat16_vol.clusters; n++) {
        uint32_t c = 2 + (alloc_hint - 2 + n) % fat16_vol.clusters, value;
        int r = fat16_fat_get(c, &value);
        if (r != 0)
            return r;
        if (value == FAT_FREE) {
            alloc_hint = c + 1;
            *out = c;
            return fat16_fat_set(c, FAT_EOC_MARK);
        }
    }
    return FAT16_ERR_DISK_FULL;
}

/* Frees the chain starting at cluster. */
static int free_chain(uint32_t cluster)
{
    for (uint32_t steps = 0; fat16_cluster_valid(cluster); steps++) {
        uint32_t next;
        int r;
        if (steps > fat16_vol.clusters)
            return FAT16_ERR_CORRUPT;
        if ((r = fat16_fat_get(cluster, &next)) != 0 || (r = fat16_fat_set(cluster, FAT_FREE)) != 0)
            return r;
        cluster = next;
    }
    return 0;
}

static int zero_cluster(uint32_t cluster)
{
    static const uint8_t zero[SECTOR];
    for (uint32_t s = 0; s < fat16_vol.sectors_per_cluster; s++) {
        if (fat16_sectors_write(fat16_cluster_lba(cluster) + s, 1, zero) != 0)
            return FAT16_ERR_IO;
    }
    return 0;
}

/* Splits path into its folder's first cluster (0: the root) and the leaf's 8.3 name. */
static int resolve_parent(const char *path, uint32_t *dir_cluster, uint8_t name[11])
{
    if (!fat16_vol.mounted)
        return FAT16_ERR_NOT_MOUNTED;
    if (!path)
        return FAT16_ERR_BAD_PATH;
    uint32_t len = (uint32_t)strlen(path);
    while (len > 0 && path[len - 1] == '/')
        len--;
    uint32_t cut = len;
    while (cut > 0 && path[cut - 1] != '/')
        cut--;
    if (cut >= MAX_PATH)
        return FAT16_ERR_BAD_PATH;
    int r = fat16_name83(path + cut, len - cut, name);
    if (r != 0)
        return r;
    if (name[0] == '.')
        return FAT16_ERR_BAD_PATH; /* "." and ".." are not made */

    char parent[MAX_PATH];
    memcpy(parent, path, cut);
    parent[cut] = '\0';
    struct fat16_file dir;
    if ((r = fat16_open(cut ? parent : "/", &dir)) != 0)
        return r;
    if (!(dir.attr & FAT16_ATTR_DIRECTORY))
        return FAT16_ERR_NOT_DIR;
    *dir_cluster = dir.first_cluster;
    return 0;
}

/* A free entry in the scanned directory, growing a chained one by a zeroed cluster. */
static int free_entry(struct dir_scan *s, uint32_t dir_cluster)
{
    if (s->have_free)
        return 0;
    if (dir_cluster == 0)
        return FAT16_ERR_DISK_FULL; /* the root region has a fixed size */
    uint32_t c;
    int r;
    if ((r = alloc_cluster(&c)) != 0 || (r = zero_cluster(c)) != 0 ||
        (r = fat16_fat_set(s->last_cluster, c)) != 0 || (r = fat16_fat_sync()) != 0)
        return r;
    s->free_at = (struct entry_at){ fat16_cluster_lba(c), 0 };
    s->have_free = 1;
    return 0;
}

static void make_entry(uint8_t raw[DIR_ENTRY_SIZE], const uint8_t name[11], uint8_t attr,
                       uint32_t first, uint32_t size)
{
    memset(raw, 0, DIR_ENTRY_SIZE);
    memcpy(raw, name, 11);
    raw[11] = attr;
    put16(raw + 0x10, FAT_EPOCH_DATE); /* created */
    put16(raw + 0x12, FAT_EPOCH_DATE); /* accessed */
    put16(raw + 0x18, FAT_EPOCH_DATE); /* written */
    put16(raw + 0x1A, first);
    put32(raw + 0x1C, size);
}

/* Writes the bytes of one cluster (at most a cluster; a partial last sector is zero-padded). */
static int write_cluster(uint32_t cluster, const uint8_t *src, uint32_t bytes)
{
    uint32_t whole = bytes / SECTOR;
    if (whole && fat16_sectors_write(fat16_cluster_lba(cluster), whole, src) != 0)
        return FAT16_ERR_IO;
    if (bytes % SECTOR) {
        uint8_t tail[SECTOR] __attribute__((aligned(4)));
        memset(tail, 0, SECTOR);
        memcpy(tail, src + whole * SECTOR, bytes % SECTOR);
        if (fat16_sectors_write(fat16_cluster_lba(cluster) + whole, 1, tail) != 0)
            return FAT16_ERR_IO;
    }
    return 0;
}

/* Gives the chain starting at *first exactly `need` clusters (writing buf into them when it is
 * not NULL); clusters past the new end are freed only after the entry is updated, by the caller. */
static int fit_chain(uint32_t *first, uint32_t need, const uint8_t *buf, uint32_t len,
                     uint32_t *excess)
{
    uint32_t cb = cluster_bytes(), prev = 0, cluster = *first;
    int r;
    *excess = 0;
    for (uint32_t k = 0; k < need; k++) {
        if (!fat16_cluster_valid(cluster)) { /* the old chain ended: grow it */
            if ((r = alloc_cluster(&cluster)) != 0)
                return r;
            if (k == 0)
                *first = cluster;
            else if ((r = fat16_fat_set(prev, cluster)) != 0)
                return r;
        }
        if (buf) {
            uint32_t bytes = len - k * cb < cb ? len - k * cb : cb;
            if ((r = write_cluster(cluster, buf + k * cb, bytes)) != 0)
                return r;
        }
        prev = cluster;
        if (k + 1 == need)
            break;
        if ((r = next_cluster(cluster, &cluster)) != 0)
            return r;
    }
    if (need == 0) {
        *excess = *first;
        *first = 0;
        return 0;
    }
    /* The chain may go on past the new end: cut it there. */
    uint32_t rest;
    if ((r = fat16_fat_get(prev, &rest)) != 0)
        return r;
    if (rest < FAT_END_OF_CHAIN) {
        *excess = rest;
        if ((r = fat16_fat_set(prev, FAT_EOC_MARK)) != 0)
            return r;
    }
    return 0;
}

static int put_file(const char *path, const void *buf, uint32_t len)
{
    struct dir_scan s;
    uint32_t dir_cluster, first = 0, excess;
    int r = resolve_parent(path, &dir_cluster, s.name);
    if (r != 0 || (r = scan_dir(dir_cluster, &s)) != 0)
        return r;
    if (s.found) {
        if (s.raw[11] & FAT16_ATTR_DIRECTORY)
            return FAT16_ERR_IS_DIR;
        first = get16(s.raw + 0x1A);
    } else if ((r = free_entry(&s, dir_cluster)) != 0) {
        return r;
    }
    uint32_t need = (len + cluster_bytes() - 1) / cluster_bytes();
    /* Data and chain first, the entry last: a new file cut short leaves lost clusters, never an
     * entry pointing at clusters the FAT calls free. */
    if ((r = fit_chain(&first, need, buf, len, &excess)) != 0 || (r = fat16_fat_sync()) != 0)
        return r;
    uint8_t raw[DIR_ENTRY_SIZE];
    if (s.found) {
        memcpy(raw, s.raw, DIR_ENTRY_SIZE);
        put16(raw + 0x1A, first);
        put32(raw + 0x1C, len);
    } else {
        make_entry(raw, s.name, ATTR_ARCHIVE, first, len);
    }
    if ((r = write_entry(s.found ? s.at : s.free_at, raw)) != 0)
        return r;
    if (excess && (r = free_chain(excess)) != 0)
        return r;
    return fat16_fat_sync();
}

int fat16_write_file(const char *path, const void *buf, uint32_t len)
{
    if (!buf && len)
        return FAT16_ERR_BAD_PATH;
    return put_file(path, buf ? buf : "", len);
}

int fat16_allocate(const char *path, uint32_t len)
{
    return put_file(path, 0, len);
}

int fat16_mkdir(const char *path)
{
    struct dir_scan s;
    uint32_t dir_cluster, c;
    int r = resolve_parent(path, &dir_cluster, s.name);
    if (r != 0 || (r = scan_dir(dir_cluster, &s)) != 0)
        return r;
    if (s.found)
        return (s.raw[11] & FAT16_ATTR_DIRECTORY) ? 0 : FAT16_ERR_NOT_DIR;
    if ((r = free_entry(&s, dir_cluster)) != 0)
        return r;
    if ((r = alloc_cluster(&c)) != 0 || (r = zero_cluster(c)) != 0 || (r = fat16_fat_sync()) != 0)
        return r;
    /* "." and "..": the folder itself and its parent (0 for the root). */
    uint8_t sector[SECTOR] __attribute__((aligned(4)));
    uint8_t dot[11];
    memset(sector, 0, SECTOR);
    memset(dot, ' ', 11);
    dot[0] = '.';
    make_entry(sector, dot, FAT16_ATTR_DIRECTORY, c, 0);
    dot[1] = '.';
    make_entry(sector + DIR_ENTRY_SIZE, dot, FAT16_ATTR_DIRECTORY, dir_cluster, 0);
    if ((r = fat16_sectors_write(fat16_cluster_lba(c), 1, sector)) != 0)
        return r;
    uint8_t raw[DIR_ENTRY_SIZE];
    make_entry(raw, s.name, FAT16_ATTR_DIRECTORY, c, 0);
    return write_entry(s.free_at, raw);
}

/* Reads or writes len bytes at offset of a file's existing clusters. */
static int file_io(const struct fat16_file *file, uint32_t offset, uint8_t *buf, uint32_t len,
                   int writing)
{
    if (!fat16_vol.mounted)
        return FAT16_ERR_NOT_MOUNTED;
    if (file->attr & FAT16_ATTR_DIRECTORY)
        return FAT16_ERR_IS_DIR;
    if (offset > file->size || len > file->size - offset)
        return FAT16_ERR_RANGE;
    uint32_t cb = cluster_bytes(), cluster = file->first_cluster, within = offset % cb;
    int r;
    for (uint32_t skip = offset / cb; skip && len; skip--) {
        if ((r = next_cluster(cluster, &cluster)) != 0)
            return r;
    }
    while (len) {
        if (!fat16_cluster_valid(cluster))
            return FAT16_ERR_CORRUPT; /* the chain ends before the file does */
        uint32_t lba = fat16_cluster_lba(cluster) + within / SECTOR, in = within % SECTOR, n;
        if (in == 0 && len >= SECTOR) { /* whole sectors, straight from or to buf */
            uint32_t count = len / SECTOR, left = fat16_vol.sectors_per_cluster - within / SECTOR;
            if (count > left)
                count = left;
            n = count * SECTOR;
            r = writing ? fat16_sectors_write(lba, count, buf) : fat16_sectors_read(lba, count, buf);
        } else { /* part of a sector: through a bounce buffer */
            uint8_t bounce[SECTOR] __attribute__((aligned(4)));
            n = SECTOR - in < len ? SECTOR - in : len;
            r = fat16_sectors_read(lba, 1, bounce);
            if (r == 0 && writing) {
                memcpy(bounce + in, buf, n);
                r = fat16_sectors_write(lba, 1, bounce);
            } else if (r == 0) {
                memcpy(buf, bounce + in, n);
            }
        }
        if (r != 0)
            return r;
        buf += n;
        len -= n;
        within += n;
        if (within == cb && len) {
            if ((r = next_cluster(cluster, &cluster)) != 0)
                return r;
            within = 0;
        }
    }
    return 0;
}

int fat16_pread(const struct fat16_file *file, uint32_t offset, void *buf, uint32_t len)
{
    return file_io(file, offset, buf, len, 0);
}

int fat16_pwrite(const struct fat16_file *file, uint32_t offset, const void *buf, uint32_t len)
{
    return file_io(file, offset, (uint8_t *)buf, len, 1);
}

int fat16_flush(void)
{
    if (!fat16_vol.mounted)
        return FAT16_ERR_NOT_MOUNTED;
    int r = fat16_fat_sync();
    if (r != 0)
        return r;
    return ata_flush(fat16_vol.drive) == 0 ? 0 : FAT16_ERR_IO;
}
