/* Leaving QEMU through the isa-debug-exit device at port 0xF4
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04).
 * QEMU exits with status (code << 1) | 1. */
#ifndef BF_EXIT_H
#define BF_EXIT_H

#define BF_EXIT_PORT 0xF4

#define BF_EXIT_SUCCESS 0x10
#define BF_EXIT_PANIC 0x11
/* The application ran, but some modules were refused or failed: QEMU status 37. */
#define BF_EXIT_MODULES_FAILED 0x12
/* The CPU lacks features the kernel was built for (the CPU gate): QEMU status 39. */
#define BF_EXIT_CPU_UNSUPPORTED 0x13
/* The data disk holds a model (MODEL.BIN) that cannot run: unreadable, rejected (bad header,
 * wrong size, bad tokenizer), too little memory, or NaN/infinite logits: QEMU status 41. */
#define BF_EXIT_MODEL_FAILED 0x14
/* A CPU exception v (0..31) exits with BF_EXIT_EXCEPTION_BASE + v: QEMU status ((0x20 + v) << 1) | 1. */
#define BF_EXIT_EXCEPTION_BASE 0x20

/* Without the debug-exit device this halts forever instead. */
__attribute__((noreturn)) void bf_exit(unsigned code);

/* Register the one function bf_exit calls first (the sampler's export); 0 removes it. */
void bf_exit_set_hook(void (*hook)(void));

#endif
