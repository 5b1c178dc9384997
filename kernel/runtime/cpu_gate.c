/* The CPU gate: bf_runtime_init() runs it once the console and SIMD state are up; see bf/cpu_gate.h. */
#include <bf/build_config.h>
#include <bf/console.h>
#include <bf/cpu_features.h>
#include <bf/cpu_gate.h>
#include <bf/exit.h>

void bf_cpu_gate(void)
{
    uint32_t usable = cpu_features_usable();
    int unknown;
    uint32_t required = cpu_feature_mask(bf_build_config.required_features, &unknown);
    uint32_t missing = required & ~usable;
    if (missing || unknown) {
        char names[160];
        cpu_feature_names(missing, names, sizeof names);
        kprintf("cpu: this kernel is built for '%s' and needs: %s\n", bf_build_config.cpu_tag,
                bf_build_config.required_features);
        kprintf("cpu: MISSING FEATURES: %s%s\n", names, unknown ? " (and names this kernel does not know)" : "");
        bf_exit(BF_EXIT_CPU_UNSUPPORTED);
    }
}
