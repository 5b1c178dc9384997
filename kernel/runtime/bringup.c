/* Early bring-up: runs before the CPU gate; see bf/bringup.h. */
#include <bf/bringup.h>
#include <bf/cpu_features.h>
#include <bf/fpu.h>
#include <bf/serial.h>
#include <bf/vga.h>

void bf_bringup(void)
{
    serial_init();
    vga_init();
    fpu_init();
    simd_init();
}
