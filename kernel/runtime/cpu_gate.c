/* The CPU gate: runs before kmain; see bf/cpu_gate.h. */
#include <bf/build_config.h>
#include <bf/console.h>
#include <bf/cpu_features.h>
#include <bf/cpu_gate.h>
#include <bf/exit.h>
#include <bf/fpu.h>
#include <bf/serial.h>
#include <bf/vga.h>

/* Parses the space-separated names; an unknown name counts as missing (reported by name). */
static uint32_t required_mask(const char *names, int *unknown)
{
    uint32_t mask = 0;
    char word[16];
    *unknown = 0;
    while (*names) {
        while (*names == ' ')
            names++;
        uint32_t n = 0;
        while (*names && *names != ' ') {
            if (n < sizeof word - 1)
                word[n++] = *names;
            names++;
        }
        word[n] = '\0';
        if (n == 0)
            continue;
        uint32_t bit = cpu_feature_bit(word);
        if (!bit) {
            kprintf("cpu: unknown required feature '%s'\n", word);
            *unknown = 1;
        }
        mask |= bit;
    }
    return mask;
}

void bf_cpu_gate(void)
{
    serial_init();
    vga_init();
    fpu_init();
    uint32_t usable = simd_init();
    int unknown;
    uint32_t required = required_mask(bf_build_config.required_features, &unknown);
    uint32_t missing = required & ~usable;
    if (missing || unknown) {
        char names[160];
        cpu_feature_names(missing, names, sizeof names);
        kprintf("cpu: this kernel is built for '%s' and needs: %s\n", bf_build_config.cpu_tag,
                bf_build_config.required_features);
        kprintf("cpu: MISSING FEATURES: %s\n", names[0] ? names : "(unknown names above)");
        bf_exit(BF_EXIT_CPU_UNSUPPORTED);
    }
}
