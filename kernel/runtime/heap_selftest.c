/* heap_selftest(): the heap exercised through its public functions only. */
#include <stdint.h>
#include <bf/heap.h>
#include <bf/memory_map.h>

#define COUNT 16

/* Odd sizes around the 16-byte granule, plus larger ones that force splits. */
static const uint32_t sizes[COUNT] = { 1, 15, 16, 17, 31, 32, 33, 100,
                                       255, 256, 1000, 4096, 5000, 65536, 3, 0 };

static uint8_t pattern(unsigned index, uint32_t offset)
{
    return (uint8_t)(index * 31u + offset * 7u + 1u);
}

static int filled(const uint8_t *p, unsigned index, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        if (p[i] != pattern(index, i))
            return 0;
    }
    return 1;
}

int heap_selftest(void)
{
    uint8_t *p[COUNT];
    uint32_t used0, free0, blocks0, used, free, blocks;

    if (heap_check() != 0)
        return -1;
    heap_stats(&used0, &free0, &blocks0);

    for (unsigned i = 0; i < COUNT; i++) {
        p[i] = kmalloc(sizes[i]);
        if (!p[i] || (uintptr_t)p[i] % 16)
            return -2;
        for (uint32_t j = 0; j < sizes[i]; j++)
            p[i][j] = pattern(i, j);
    }
    if (heap_check() != 0)
        return -3;

    /* Free every other block: holes that the next allocations can reuse first-fit. */
    for (unsigned i = 0; i < COUNT; i += 2) {
        kfree(p[i]);
        p[i] = 0;
    }
    if (heap_check() != 0)
        return -4;
    for (unsigned i = 1; i < COUNT; i += 2) {
        if (!filled(p[i], i, sizes[i]))
            return -5;
    }

    /* Growing keeps the contents; a zeroed allocation is zero. */
    uint8_t *grown = krealloc(p[7], 20000);
    if (!grown || !filled(grown, 7, sizes[7]))
        return -6;
    p[7] = grown;
    uint32_t *zeros = kcalloc(300, sizeof(uint32_t));
    if (!zeros)
        return -7;
    for (unsigned i = 0; i < 300; i++) {
        if (zeros[i])
            return -7;
    }
    if (kmalloc(BF_HEAP_LIMIT - BF_HEAP_START) != 0 || kcalloc(0x10000, 0x10000) != 0)
        return -8;
    if (heap_check() != 0)
        return -9;

    /* Free the rest in an order that needs merging on both sides. */
    kfree(zeros);
    for (int i = COUNT - 1; i >= 1; i -= 2) {
        if (!filled(p[i], (unsigned)i, sizes[i]))
            return -10;
        kfree(p[i]);
        if (heap_check() != 0)
            return -11;
    }

    heap_stats(&used, &free, &blocks);
    if (used != used0 || free != free0 || blocks != blocks0)
        return -12;
    return 0;
}
