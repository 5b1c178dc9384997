/* Crash-safe records in two slot files on the data disk; the format is in bf/state_store.h. */
#include <stdint.h>
#include <bf/console.h>
#include <bf/data_disk.h>
#include <bf/fat16.h>
#include <bf/state_store.h>
#include <bf/string.h>

#define STATE_DIR "/STATE"
#define SLOTS 2
#define SLOT_ROUND 4096u /* slot files are sized in steps of this, with a quarter to spare */
#define MAX_KNOWN 8
#define CHUNK 512u

static const uint8_t MAGIC[4] = { 'B', 'F', 'S', 'T' };

/* What this boot knows of a record after loading or saving it: saves then need not re-read. */
struct known {
    char name[BF_STATE_MAX_NAME + 1];
    int newest; /* the slot holding the newest valid record, -1 for none */
    uint32_t sequence;
};

static struct known known[MAX_KNOWN];

struct slot {
    int exists;
    int valid;
    const char *why; /* why it is not valid */
    uint32_t sequence;
    uint32_t length;
    uint32_t crc;
    struct fat16_file file;
};

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, uint32_t size)
{
    crc = ~crc;
    for (uint32_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The record name, upper case; 0 if it is not 1 to 8 of A-Z, 0-9, _. */
static int canonical(const char *name, char out[BF_STATE_MAX_NAME + 1])
{
    uint32_t n = 0;
    if (!name)
        return 0;
    for (; name[n]; n++) {
        char c = name[n];
        if (n == BF_STATE_MAX_NAME)
            return 0;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
        out[n] = c;
    }
    out[n] = '\0';
    return n > 0;
}

static void slot_path(const char *name, int slot, char path[32])
{
    uint32_t n = (uint32_t)strlen(STATE_DIR);
    memcpy(path, STATE_DIR "/", n + 1);
    n++;
    for (const char *p = name; *p; p++)
        path[n++] = *p;
    path[n++] = '.';
    path[n++] = 'S';
    path[n++] = (char)('0' + slot);
    path[n] = '\0';
}

static struct known *known_of(const char *name)
{
    for (int i = 0; i < MAX_KNOWN; i++) {
        if (known[i].name[0] && strcmp(known[i].name, name) == 0)
            return &known[i];
    }
    return 0;
}

static void remember(const char *name, int newest, uint32_t sequence)
{
    struct known *k = known_of(name);
    for (int i = 0; !k && i < MAX_KNOWN; i++) {
        if (!known[i].name[0])
            k = &known[i];
    }
    if (!k)
        k = &known[MAX_KNOWN - 1]; /* more names than remembered: forget one, it is re-read */
    strcpy(k->name, name);
    k->newest = newest;
    k->sequence = sequence;
}

static void header_bytes(uint8_t h[BF_STATE_HEADER_SIZE], const char *name, uint32_t sequence,
                         uint32_t length, uint32_t crc)
{
    memset(h, 0, BF_STATE_HEADER_SIZE);
    memcpy(h, MAGIC, 4);
    h[4] = (uint8_t)BF_STATE_FORMAT_VERSION;
    h[6] = (uint8_t)BF_STATE_HEADER_SIZE;
    wr32(h + 8, sequence);
    wr32(h + 12, length);
    wr32(h + 16, crc);
    memcpy(h + 20, name, strlen(name));
    wr32(h + 28, crc32_update(0, h, 28));
}

/* Checks one slot's header, then its payload's checksum (read a sector at a time). */
static int examine(const char *name, int index, struct slot *s)
{
    char path[32];
    uint8_t h[CHUNK] __attribute__((aligned(4)));
    memset(s, 0, sizeof(*s));
    slot_path(name, index, path);
    int r = fat16_open(path, &s->file);
    if (r == FAT16_ERR_NOT_FOUND) {
        s->why = "missing";
        return 0;
    }
    if (r != 0)
        return r;
    s->exists = 1;
    if (s->file.size < BF_STATE_HEADER_SIZE) {
        s->why = "shorter than a header";
        return 0;
    }
    if ((r = fat16_pread(&s->file, 0, h, BF_STATE_HEADER_SIZE)) != 0)
        return r;
    char expect[BF_STATE_MAX_NAME] = { 0 };
    memcpy(expect, name, strlen(name));
    if (memcmp(h, MAGIC, 4) != 0)
        s->why = "no header (never written)";
    else if (rd32(h + 28) != crc32_update(0, h, 28))
        s->why = "torn header (checksum mismatch)";
    else if (h[4] != BF_STATE_FORMAT_VERSION || h[5] != 0 || h[6] != BF_STATE_HEADER_SIZE || h[7])
        s->why = "another format version";
    else if (memcmp(h + 20, expect, BF_STATE_MAX_NAME) != 0)
        s->why = "another record's slot";
    else if (rd32(h + 12) > s->file.size - BF_STATE_HEADER_SIZE)
        s->why = "length beyond the slot";
    if (s->why)
        return 0;
    s->sequence = rd32(h + 8);
    s->length = rd32(h + 12);
    s->crc = rd32(h + 16);
    uint32_t crc = 0;
    for (uint32_t at = 0; at < s->length; at += CHUNK) {
        uint32_t n = s->length - at < CHUNK ? s->length - at : CHUNK;
        if ((r = fat16_pread(&s->file, BF_STATE_HEADER_SIZE + at, h, n)) != 0)
            return r;
        crc = crc32_update(crc, h, n);
    }
    if (crc != s->crc) {
        s->why = "torn payload (checksum mismatch)";
        return 0;
    }
    s->valid = 1;
    return 0;
}

/* Both slots; the index of the newest valid one, or -1. */
static int examine_both(const char *name, struct slot s[SLOTS], int *newest)
{
    *newest = -1;
    for (int i = 0; i < SLOTS; i++) {
        int r = examine(name, i, &s[i]);
        if (r == FAT16_ERR_CORRUPT) { /* a damaged slot file: the other may still serve */
            s[i].exists = 1;
            s[i].valid = 0;
            s[i].why = "unreadable (damaged FAT chain)";
        } else if (r != 0) {
            return r;
        }
        if (s[i].valid && (*newest < 0 || s[i].sequence > s[*newest].sequence))
            *newest = i;
    }
    return 0;
}

static int usable(const char *name, char canon[BF_STATE_MAX_NAME + 1])
{
    if (!canonical(name, canon))
        return BF_STATE_ERR_BAD_NAME;
    if (data_disk_status() != DATA_DISK_MOUNTED)
        return BF_STATE_ERR_NO_DISK;
    return 0;
}

static void describe_slot(const struct slot *s, int index)
{
    if (s->valid)
        kprintf("slot %d: sequence %u", index, s->sequence);
    else
        kprintf("slot %d: %s", index, s->why);
}

int bf_state_load(const char *name, void *buf, uint32_t cap, uint32_t *len)
{
    char canon[BF_STATE_MAX_NAME + 1];
    struct slot s[SLOTS];
    int newest, r = usable(name, canon);
    if (r == 0)
        r = examine_both(canon, s, &newest);
    if (r == 0 && newest < 0)
        r = (s[0].exists || s[1].exists) ? BF_STATE_ERR_INVALID : BF_STATE_ERR_NONE;
    if (r == 0 && s[newest].length > cap)
        r = BF_STATE_ERR_TOO_BIG;
    if (r == 0 && (r = fat16_pread(&s[newest].file, BF_STATE_HEADER_SIZE, buf, s[newest].length)) == 0 &&
        crc32_update(0, buf, s[newest].length) != s[newest].crc)
        r = BF_STATE_ERR_IO; /* it changed between two reads: the disk is not to be trusted */
    if (r != 0) {
        kprintf("state: %s: no valid record (%s", canonical(name, canon) ? canon : "?",
                bf_state_strerror(r));
        if (r == BF_STATE_ERR_INVALID || r == BF_STATE_ERR_TOO_BIG) {
            for (int i = 0; i < SLOTS; i++) {
                kprintf("; ");
                describe_slot(&s[i], i);
            }
        }
        kprintf(")\n");
        return r;
    }
    *len = s[newest].length;
    remember(canon, newest, s[newest].sequence);
    kprintf("state: %s loaded from slot %d, sequence %u, %u bytes (", canon, newest,
            s[newest].sequence, s[newest].length);
    describe_slot(&s[1 - newest], 1 - newest);
    kprintf(")\n");
    return 0;
}

/* The slot file to write: made, or remade larger, when it cannot hold `need` bytes. */
static int slot_file(const char *name, int index, uint32_t need, struct fat16_file *file)
{
    char path[32];
    slot_path(name, index, path);
    int r = fat16_open(path, file);
    if (r == 0 && file->size >= need)
        return 0; /* the usual case: written in place */
    if (r != 0 && r != FAT16_ERR_NOT_FOUND)
        return r;
    uint32_t size = need + need / 4;
    size = (size + SLOT_ROUND - 1) / SLOT_ROUND * SLOT_ROUND;
    /* Only this slot's chain and entry change; the other slot, holding the newest record, is
     * never written, so a power loss here still leaves it. */
    if ((r = fat16_mkdir(STATE_DIR)) != 0 || (r = fat16_allocate(path, size)) != 0)
        return r;
    return fat16_open(path, file);
}

static int save(const char *canon, const uint8_t *data, uint32_t len, int *slot, uint32_t *seq)
{
    struct known *k = known_of(canon);
    int newest, r;
    uint32_t sequence;
    if (k) {
        newest = k->newest;
        sequence = k->sequence;
    } else {
        struct slot s[SLOTS];
        if ((r = examine_both(canon, s, &newest)) != 0)
            return r;
        sequence = newest >= 0 ? s[newest].sequence : 0;
    }
    *slot = newest == 0 ? 1 : 0; /* never the slot holding the newest valid record */
    *seq = sequence + 1;

    struct fat16_file file;
    if ((r = slot_file(canon, *slot, BF_STATE_HEADER_SIZE + len, &file)) != 0)
        return r;
    /* The payload past the first sector, then the first sector (header and the payload's start),
     * then the flush: a save cut short leaves a header whose checksums do not match. */
    uint8_t first[CHUNK] __attribute__((aligned(4)));
    uint32_t head = len < CHUNK - BF_STATE_HEADER_SIZE ? len : CHUNK - BF_STATE_HEADER_SIZE;
    header_bytes(first, canon, *seq, len, crc32_update(0, data, len));
    memcpy(first + BF_STATE_HEADER_SIZE, data, head);
    if (len > head && (r = fat16_pwrite(&file, CHUNK, data + head, len - head)) != 0)
        return r;
    if ((r = fat16_pwrite(&file, 0, first, BF_STATE_HEADER_SIZE + head)) != 0)
        return r;
    if ((r = fat16_flush()) != 0)
        return r;
    remember(canon, *slot, *seq);
    return 0;
}

int bf_state_save(const char *name, const void *buf, uint32_t len)
{
    char canon[BF_STATE_MAX_NAME + 1];
    int slot = 0;
    uint32_t seq = 0;
    int r = usable(name, canon);
    if (r == 0 && len > BF_STATE_MAX_RECORD)
        r = BF_STATE_ERR_TOO_BIG;
    if (r == 0 && !buf && len)
        r = BF_STATE_ERR_IO;
    if (r == 0)
        r = save(canon, buf, len, &slot, &seq);
    if (r != 0) {
        /* What this boot knew may no longer hold: read the slots again next time. */
        struct known *k = r == BF_STATE_ERR_BAD_NAME ? 0 : known_of(canon);
        if (k)
            k->name[0] = '\0';
        kprintf("state: %s: save failed (%s)\n", canonical(name, canon) ? canon : "?",
                bf_state_strerror(r));
        return r;
    }
    kprintf("state: %s saved to slot %d, sequence %u, %u bytes\n", canon, slot, seq, len);
    return 0;
}

uint32_t bf_state_sequence(const char *name)
{
    char canon[BF_STATE_MAX_NAME + 1];
    struct known *k = canonical(name, canon) ? known_of(canon) : 0;
    return k && k->newest >= 0 ? k->sequence : 0;
}

const char *bf_state_strerror(int err)
{
    switch (err) {
    case 0: return "ok";
    case BF_STATE_ERR_NO_DISK: return "no data disk";
    case BF_STATE_ERR_NONE: return "no record saved yet";
    case BF_STATE_ERR_INVALID: return "no slot holds a valid record";
    case BF_STATE_ERR_TOO_BIG: return "record too large";
    case BF_STATE_ERR_BAD_NAME: return "a record name is 1 to 8 of A-Z, 0-9, _";
    case BF_STATE_ERR_IO: return "disk error";
    case FAT16_ERR_IO: return "disk read or write failed";
    case FAT16_ERR_NOT_MOUNTED: return "no data disk";
    case FAT16_ERR_CORRUPT: return "damaged FAT chain";
    case FAT16_ERR_DISK_FULL: return "data disk full";
    case FAT16_ERR_NOT_DIR: return "/STATE is a file, not a folder";
    default: return "FAT16 error";
    }
}
