/* 8253/8254 PIT channel 0 as a periodic tick source. */
#include <stdint.h>
#include <bf/io.h>
#include <bf/irq.h>
#include <bf/timer.h>

#define PIT_INPUT_HZ 1193182u
#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define PIT_CH0_LOHI_RATE 0x34 /* channel 0, low then high byte, mode 2, binary */
#define PIT_CH0_ONESHOT 0x30   /* channel 0, low then high byte, mode 0, binary */

static volatile uint64_t ticks;
static uint32_t actual_hz;

static timer_hook_fn hook;

static void timer_tick(const struct bf_interrupt_frame *frame)
{
    if (!hook || hook(frame))
        ticks++;
}

void timer_set_hook(timer_hook_fn fn)
{
    hook = fn;
}

static void program(uint32_t hz)
{
    uint32_t divisor = (PIT_INPUT_HZ + hz / 2) / hz;
    if (divisor < 1)
        divisor = 1;
    if (divisor > 65536)
        divisor = 65536; /* written as 0 */
    actual_hz = (PIT_INPUT_HZ + divisor / 2) / divisor;
    /* Loading the count restarts the period: the next tick is one period from here. */
    outb(PIT_COMMAND, PIT_CH0_LOHI_RATE);
    outb(PIT_CHANNEL0, (uint8_t)divisor);
    outb(PIT_CHANNEL0, (uint8_t)(divisor >> 8));
}

int timer_init(uint32_t hz)
{
    if (hz == 0)
        return -1;
    program(hz);
    ticks = 0;
    irq_set_handler(0, timer_tick);
    return 0;
}

int timer_set_rate(uint32_t hz)
{
    if (hz == 0 || !actual_hz)
        return -1;
    program(hz);
    return 0;
}

void timer_stop(void)
{
    outb(PIT_COMMAND, PIT_CH0_ONESHOT); /* mode 0 and no count written: no further period */
}

uint64_t timer_ticks(void)
{
    /* A 64-bit load is two 32-bit loads; read until a tick did not land between them. */
    uint64_t a, b;
    do {
        a = ticks;
        b = ticks;
    } while (a != b);
    return a;
}

uint32_t timer_hz(void)
{
    return actual_hz;
}
