/* The x87 FPU. There is no SSE in this build, so float and double code runs on the x87. */
#ifndef BF_FPU_H
#define BF_FPU_H

/*
 * Enables the x87 (CR0.EM clear, CR0.MP and CR0.NE set) and resets it with fninit:
 * round to nearest, 64-bit precision, all exceptions masked. Call before any float code.
 */
void fpu_init(void);

#endif
