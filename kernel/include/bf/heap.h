/*
 * The kernel heap over [BF_HEAP_START, BF_HEAP_END) (bf/memory_map.h): a first-fit,
 * address-ordered free list with 16-byte block headers. Results are 16-byte aligned; a freed
 * block is merged with free neighbours at once. Safe to call with interrupts on (each call runs
 * with them off) but not from an IRQ handler. Initialises itself on first use.
 */
#ifndef BF_HEAP_H
#define BF_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Sets up one free block over the whole region; panics if the region is not RAM (too little -m). */
void heap_init(void);

/* NULL when no free block is large enough; kmalloc(0) returns a unique minimal block. */
void *kmalloc(size_t size);
/* ptr may be NULL; an invalid pointer or a double free panics. */
void kfree(void *ptr);
/* Zeroed; NULL also when count * size overflows. */
void *kcalloc(size_t count, size_t size);
/* Like realloc: NULL ptr allocates, size 0 frees and returns NULL; on failure ptr is kept. */
void *krealloc(void *ptr, size_t size);

/*
 * Bytes in allocated and in free blocks (headers included: *used + *free is the region size)
 * and the number of free blocks. Any pointer may be NULL.
 */
void heap_stats(uint32_t *used, uint32_t *free, uint32_t *free_blocks);

/* Walks every block and the free list; 0 if consistent, a negative code naming the fault. */
int heap_check(void);

/*
 * Allocates, writes, reallocates and frees in a fixed pattern, checking alignment, contents and
 * heap_check() on the way, and that the heap ends as it began (so on an empty heap the free
 * block count is back to 1). Returns 0, or the negative number of the failed step.
 */
int heap_selftest(void);

#endif
