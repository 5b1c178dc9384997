/* The kernel heap: first-fit free list with splitting and coalescing. */
#include <stdint.h>
#include <bf/cpu.h>
#include <bf/heap.h>
#include <bf/memory_map.h>
#include <bf/panic.h>
#include <bf/fw_cfg.h>
#include <bf/string.h>

#define ALIGN 16u
#define MAGIC_USED 0x55534544u /* "DESU" */
#define MAGIC_FREE 0x45455246u /* "FREE" */

/* 16 bytes, so a 16-aligned block gives a 16-aligned payload. */
struct block {
    uint32_t magic;
    uint32_t size;       /* whole block, header included; a multiple of ALIGN */
    struct block *next;  /* free blocks: the next free block, by address */
    uint32_t check;      /* magic ^ size ^ address: shows a stray write over the header */
};

_Static_assert(sizeof(struct block) == ALIGN, "the block header keeps payloads aligned");
_Static_assert(BF_HEAP_START % ALIGN == 0 && BF_HEAP_END % ALIGN == 0, "heap bounds aligned");
_Static_assert(BF_HEAP_LIMIT % ALIGN == 0 && BF_RAM_TOP_RESERVE % ALIGN == 0, "heap end aligned");

#define HEADER ((uint32_t)sizeof(struct block))
#define MIN_BLOCK (HEADER + ALIGN)
#define HEAP_BYTES (heap_end - BF_HEAP_START)

static struct block *free_list; /* address order, so neighbours are found while inserting */
static int ready;
/* BF_HEAP_END, or further when the machine has more RAM (heap_init). */
static uint32_t heap_end = BF_HEAP_END;

static uint32_t check_of(const struct block *b)
{
    return b->magic ^ b->size ^ (uint32_t)(uintptr_t)b;
}

static void set_header(struct block *b, uint32_t magic, uint32_t size)
{
    b->magic = magic;
    b->size = size;
    b->check = check_of(b);
}

static struct block *end_of(const struct block *b)
{
    return (struct block *)((uintptr_t)b + b->size);
}

static int in_heap(const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a >= BF_HEAP_START && a < heap_end;
}

#define E820_RAM 1
#define E820_ENTRY 20 /* uint64 address, uint64 length, uint32 type; packed */
#define E820_MAX 32

static uint64_t le64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

/* The end of the RAM holding `address`, from the E820 table QEMU gives its firmware (fw_cfg
 * file etc/e820), capped at `cap`; 0 without fw_cfg or RAM there. */
static uint32_t ram_end_at(uint32_t address, uint32_t cap)
{
    static char table[E820_ENTRY * E820_MAX + 1];
    int length = fw_cfg_read_file("etc/e820", table, sizeof table);
    for (int at = 0; length > 0 && at + E820_ENTRY <= length; at += E820_ENTRY) {
        const uint8_t *entry = (const uint8_t *)table + at;
        uint64_t start = le64(entry), end = start + le64(entry + 8);
        uint32_t type = (uint32_t)entry[16] | (uint32_t)entry[17] << 8;
        if (type == E820_RAM && start <= address && address < end)
            return end < cap ? (uint32_t)end : cap;
    }
    return 0;
}

void heap_init(void)
{
    /* All the RAM QEMU gives (its E820 table), less the top, where the BIOS keeps its tables;
     * at least up to BF_HEAP_END, which the probe below checks. */
    uint32_t ram_end = ram_end_at(BF_HEAP_START, BF_HEAP_LIMIT);
    heap_end = BF_HEAP_END;
    if (ram_end > BF_HEAP_END + BF_RAM_TOP_RESERVE)
        heap_end = (ram_end - BF_RAM_TOP_RESERVE) & ~(ALIGN - 1);
    /* Without enough guest memory the writes vanish; say so instead of corrupting silently. */
    volatile uint32_t *probe = (volatile uint32_t *)(heap_end - 4);
    *probe = 0x5A5AA5A5u;
    if (*probe != 0x5A5AA5A5u)
        panic("heap: no RAM at %p (the heap needs -m 32M or more)", (void *)probe);

    free_list = (struct block *)BF_HEAP_START;
    set_header(free_list, MAGIC_FREE, HEAP_BYTES);
    free_list->next = 0;
    ready = 1;
}

static void ensure_ready(void)
{
    if (!ready)
        heap_init();
}

void *kmalloc(size_t size)
{
    if (size > HEAP_BYTES - HEADER)
        return 0;
    uint32_t need = ((uint32_t)size + ALIGN - 1) & ~(ALIGN - 1);
    need += HEADER;
    if (need < MIN_BLOCK)
        need = MIN_BLOCK;

    uint32_t flags = cpu_irq_save();
    ensure_ready();
    struct block **link = &free_list;
    struct block *b;
    for (b = free_list; b; link = &b->next, b = b->next) {
        if (b->size >= need)
            break;
    }
    if (!b) {
        cpu_irq_restore(flags);
        return 0;
    }
    if (b->size - need >= MIN_BLOCK) {
        /* Split: the tail stays free, in b's place in the list. */
        struct block *rest = (struct block *)((uintptr_t)b + need);
        set_header(rest, MAGIC_FREE, b->size - need);
        rest->next = b->next;
        *link = rest;
        set_header(b, MAGIC_USED, need);
    } else {
        *link = b->next;
        set_header(b, MAGIC_USED, b->size);
    }
    b->next = 0;
    cpu_irq_restore(flags);
    return b + 1;
}

void kfree(void *ptr)
{
    if (!ptr)
        return;
    struct block *b = (struct block *)ptr - 1;
    if (!in_heap(b) || ((uintptr_t)ptr % ALIGN) != 0)
        panic("kfree: %p is not a heap pointer", ptr);
    if (b->magic == MAGIC_FREE && b->check == check_of(b))
        panic("kfree: double free of %p", ptr);
    if (b->magic != MAGIC_USED || b->check != check_of(b))
        panic("kfree: %p has a corrupt or missing block header", ptr);

    uint32_t flags = cpu_irq_save();
    struct block *prev = 0, *next = free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }

    set_header(b, MAGIC_FREE, b->size);
    b->next = next;
    if (prev)
        prev->next = b;
    else
        free_list = b;

    if (next && end_of(b) == next) {
        set_header(b, MAGIC_FREE, b->size + next->size);
        b->next = next->next;
        next->magic = 0; /* no longer a header: a later kfree of it is caught */
    }
    if (prev && end_of(prev) == b) {
        set_header(prev, MAGIC_FREE, prev->size + b->size);
        prev->next = b->next;
        b->magic = 0;
    }
    cpu_irq_restore(flags);
}

void *kcalloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        return 0;
    void *p = kmalloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *krealloc(void *ptr, size_t size)
{
    if (!ptr)
        return kmalloc(size);
    if (size == 0) {
        kfree(ptr);
        return 0;
    }
    struct block *b = (struct block *)ptr - 1;
    if (!in_heap(b) || b->magic != MAGIC_USED || b->check != check_of(b))
        panic("krealloc: %p is not an allocated heap block", ptr);
    uint32_t capacity = b->size - HEADER;
    if (size <= capacity)
        return ptr;
    void *q = kmalloc(size);
    if (!q)
        return 0;
    memcpy(q, ptr, capacity);
    kfree(ptr);
    return q;
}

void heap_stats(uint32_t *used, uint32_t *free, uint32_t *free_blocks)
{
    uint32_t u = 0, f = 0, n = 0;
    uint32_t flags = cpu_irq_save();
    ensure_ready();
    for (struct block *b = (struct block *)BF_HEAP_START; (uintptr_t)b < heap_end; b = end_of(b)) {
        if (b->size == 0)
            break; /* corrupt; heap_check() tells */
        if (b->magic == MAGIC_FREE) {
            f += b->size;
            n++;
        } else {
            u += b->size;
        }
    }
    cpu_irq_restore(flags);
    if (used)
        *used = u;
    if (free)
        *free = f;
    if (free_blocks)
        *free_blocks = n;
}

/* The checks of heap_check(), run with interrupts off. */
static int check_locked(void)
{
    uint32_t free_seen = 0;
    int previous_free = 0;
    struct block *b = (struct block *)BF_HEAP_START;

    /* Every block, by address: headers intact, sizes tiling the region exactly. */
    while ((uintptr_t)b < heap_end) {
        if ((uintptr_t)b % ALIGN)
            return -1;
        if (b->magic != MAGIC_USED && b->magic != MAGIC_FREE)
            return -2;
        if (b->check != check_of(b))
            return -3;
        if (b->size < MIN_BLOCK || b->size % ALIGN || b->size > heap_end - (uintptr_t)b)
            return -4;
        int is_free = b->magic == MAGIC_FREE;
        if (is_free && previous_free)
            return -5; /* two free neighbours that were not merged */
        free_seen += (uint32_t)is_free;
        previous_free = is_free;
        b = end_of(b);
    }
    if ((uintptr_t)b != heap_end)
        return -6;

    /* The free list: free blocks only, strictly by address, and all of them. */
    uint32_t listed = 0;
    for (struct block *f = free_list; f; f = f->next) {
        if (!in_heap(f) || (uintptr_t)f % ALIGN)
            return -7;
        if (f->magic != MAGIC_FREE || f->check != check_of(f))
            return -8;
        if (f->next && f->next <= f)
            return -9; /* out of order, or a cycle */
        if (++listed > free_seen)
            return -10;
    }
    if (listed != free_seen)
        return -11;
    return 0;
}

int heap_check(void)
{
    uint32_t flags = cpu_irq_save();
    ensure_ready();
    int r = check_locked();
    cpu_irq_restore(flags);
    return r;
}
