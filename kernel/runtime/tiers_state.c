/* The learned tiers on the data disk: one crash-safe record, TIERS (bf/state_store.h). */
#include <bf/console.h>
#include <bf/heap.h>
#include <bf/state_store.h>
#include <bf/tiers.h>

#define RECORD_NAME "TIERS"
#define RECORD_MAX 8192u

void bf_tiers_learn(void)
{
    uint8_t *buffer = kmalloc(RECORD_MAX);
    uint32_t size = 0;
    if (!buffer)
        return;
    /* bf_state_load says what it found (or why nothing) on its own line. */
    if (bf_state_load(RECORD_NAME, buffer, RECORD_MAX, &size) == 0) {
        if (bf_tiers_load_record(buffer, size) == 0)
            kprintf("tiers: learned tiers of %u sites loaded\n", bf_tiers_record_sites());
        else
            kprintf("tiers: the TIERS record is not a tier record, starting afresh\n");
    }
    kfree(buffer);
}

void bf_tiers_remember(void)
{
    uint8_t *buffer = kmalloc(RECORD_MAX);
    if (!buffer)
        return;
    uint32_t size = bf_tiers_save_record(buffer, RECORD_MAX);
    if (size)
        bf_state_save(RECORD_NAME, buffer, size);
    kfree(buffer);
}
