/* Shared by the module runner (module_runner.c) and its tiered path (module_tiers.c). */
#ifndef BF_MODULE_RUNNER_INTERNAL_H
#define BF_MODULE_RUNNER_INTERNAL_H

#include <stdint.h>
#include <bf/module.h>
#include <bf/module_runner.h>
#include <bf/registry.h>

extern const struct bf_module_api bf_runner_api;
const char *bf_runner_opt_name(uint8_t level);
/* A valid copy of the entry's blob (linked for `slot`) from the data disk, in a heap buffer, or 0. */
uint8_t *bf_runner_load_from_disk(const struct bf_registry_entry *entry, uint32_t slot,
                                  uint32_t *size);
/* One timed call of a loaded module (recorded under profile_id): its return code; the result is
 * NUL-terminated, the call's rdtsc cycles in *cycles. */
int bf_runner_call(bf_module_entry_fn fn, int profile_id, struct bf_module_result *result,
                   uint64_t *cycles);
/* Runs the `count` tiers of one module (consecutive registry entries) through a tier site. */
void bf_run_tiered(const struct bf_registry_entry *tiers, uint32_t count, int have_disk,
                   struct bf_run_summary *summary);

#endif
