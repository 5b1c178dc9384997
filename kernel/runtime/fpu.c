/* x87 FPU bring-up. */
#include <stdint.h>
#include <bf/cpu.h>
#include <bf/fpu.h>

#define CR0_MP (1u << 1) /* WAIT/FWAIT honours CR0.TS */
#define CR0_EM (1u << 2) /* set: every x87 instruction raises #NM */
#define CR0_TS (1u << 3) /* set: the next x87 instruction raises #NM */
#define CR0_NE (1u << 5) /* report x87 errors as #MF, not through the legacy IRQ 13 */

void fpu_init(void)
{
    uint32_t cr0 = cpu_read_cr0();
    cr0 &= ~(CR0_EM | CR0_TS);
    cr0 |= CR0_MP | CR0_NE;
    cpu_write_cr0(cr0);
    __asm__ __volatile__("fninit" ::: "memory");
}
