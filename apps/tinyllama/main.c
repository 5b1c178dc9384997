/*
 * tinyllama: the self-profiling application. Runs after bf_runtime_init() (bf/runtime.h) brought
 * the runtime up (console, CPU gate, heap, interrupts, timer, data disk); runs every module of its
 * registry under the cycle profiler (loading each from the data disk when a valid copy is there,
 * else from the image), prints one RESULT line per module and the JSON profile, runs the Llama
 * model of the data disk, and exits: BF_EXIT_MODULES_FAILED when a module was refused or failed,
 * else BF_EXIT_MODEL_FAILED when the disk holds a model that could not run, else success.
 */
#include <bf/build_config.h>
#include <bf/console.h>
#include <bf/cpu_features.h>
#include <bf/exit.h>
#include <bf/heap.h>
#include <bf/kheader.h>
#include <bf/module_runner.h>
#include <bf/panic.h>
#include <bf/profile.h>
#include <bf/registry.h>
#include <bf/runtime.h>
#include <bf/tiers.h>
#include <bf/timer.h>
#include "llama/llama.h"

void kmain(void)
{
    kprintf("BareFlow tinyllama: cpu=%s toolchain=%s\n", bf_build_config.cpu_tag,
            bf_build_config.toolchain);
    char features[160];
    cpu_feature_names(cpu_features_usable(), features, sizeof features);
    kprintf("cpu: usable features: %s\n", features[0] ? features : "(none)");

    const struct bf_kernel_header *h = &__kernel_header;
    if (h->magic != BF_KERNEL_MAGIC)
        panic("kernel header magic is %08x", (unsigned)h->magic);
    kprintf("kernel: %u sectors, %u bytes, entry 0x%08x, bss end 0x%08x\n", (unsigned)h->sectors,
            (unsigned)h->file_bytes, (unsigned)h->entry, (unsigned)h->bss_end);
    kprintf("registry: %u modules, work %u\n", bf_registry_count, bf_registry_work);

    struct bf_run_summary summary;
    if (bf_registry_tiered) /* the adaptive image: hot code moves between tiers as it runs */
        bf_tiers_learn();
    bf_run_registry(&summary);
    int model_failed = llama_main() != 0;
    if (bf_registry_tiered) {
        bf_tiers_report();
        bf_tiers_remember();
    }
    bf_profile_export_json();
    if (heap_check() != 0)
        panic("heap corrupted after the modules ran");
    kprintf("timer: %u ticks at %u Hz\n", (unsigned)timer_ticks(), timer_hz());

    if (summary.refused || summary.failed) {
        kprintf("tinyllama: %u module(s) refused, %u failed\n", summary.refused, summary.failed);
        bf_exit(BF_EXIT_MODULES_FAILED);
    }
    if (model_failed) {
        kputs("tinyllama: the model on the data disk could not run\n");
        bf_exit(BF_EXIT_MODEL_FAILED);
    }
    kputs("tinyllama: ok\n");
    bf_exit(BF_EXIT_SUCCESS);
}
