/*
 * The freestanding C runtime the modules link with: the memory functions the compiler emits
 * calls to, and the 64-bit division helpers it calls on i686 (normally from libgcc/compiler-rt).
 */
#include <stdint.h>

#include "modlib.h"

void *memcpy(void *dst, const void *src, bf_size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, bf_size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, bf_size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, bf_size_t n)
{
    const unsigned char *p = a, *q = b;
    for (; n; n--, p++, q++) {
        if (*p != *q)
            return *p < *q ? -1 : 1;
    }
    return 0;
}

/*
 * 64-bit shifts by a variable count: clang calls these at -Oz. Written on 32-bit halves (only
 * shifts by the constant 32 on 64-bit values, which never become calls) so they cannot recurse.
 */
uint64_t __ashldi3(uint64_t a, int b);
uint64_t __lshrdi3(uint64_t a, int b);
int64_t __ashrdi3(int64_t a, int b);

uint64_t __ashldi3(uint64_t a, int b)
{
    uint32_t lo = (uint32_t)a, hi = (uint32_t)(a >> 32);
    if (b & 32) {
        hi = lo << (b & 31);
        lo = 0;
    } else if (b & 31) {
        hi = (hi << (b & 31)) | (lo >> (32 - (b & 31)));
        lo <<= b & 31;
    }
    return (uint64_t)hi << 32 | lo;
}

uint64_t __lshrdi3(uint64_t a, int b)
{
    uint32_t lo = (uint32_t)a, hi = (uint32_t)(a >> 32);
    if (b & 32) {
        lo = hi >> (b & 31);
        hi = 0;
    } else if (b & 31) {
        lo = (lo >> (b & 31)) | (hi << (32 - (b & 31)));
        hi >>= b & 31;
    }
    return (uint64_t)hi << 32 | lo;
}

int64_t __ashrdi3(int64_t a, int b)
{
    uint64_t u = (uint64_t)a;
    uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32);
    uint32_t sign = (hi & 0x80000000u) ? 0xFFFFFFFFu : 0; /* the bits shifted in */
    if (b & 32) {
        lo = (b & 31) ? (hi >> (b & 31)) | (sign << (32 - (b & 31))) : hi;
        hi = sign;
    } else if (b & 31) {
        lo = (lo >> (b & 31)) | (hi << (32 - (b & 31)));
        hi = (hi >> (b & 31)) | (sign << (32 - (b & 31)));
    }
    return (int64_t)((uint64_t)hi << 32 | lo);
}

/* Unsigned 64-bit division by shift-and-subtract; *rem receives the remainder. */
static uint64_t bf_udivmod64(uint64_t num, uint64_t den, uint64_t *rem)
{
    uint64_t quot = 0, r = 0;
    int i;
    if (den == 0) { /* undefined in C; do not trap, return all ones */
        if (rem)
            *rem = num;
        return ~(uint64_t)0;
    }
    if ((den >> 32) == 0 && (num >> 32) == 0) {
        uint32_t n32 = (uint32_t)num, d32 = (uint32_t)den;
        if (rem)
            *rem = n32 % d32;
        return n32 / d32;
    }
    for (i = 63; i >= 0; i--) {
        r = (r << 1) | ((num >> i) & 1u);
        if (r >= den) {
            r -= den;
            quot |= (uint64_t)1 << i;
        }
    }
    if (rem)
        *rem = r;
    return quot;
}

uint64_t __udivdi3(uint64_t a, uint64_t b);
uint64_t __umoddi3(uint64_t a, uint64_t b);
int64_t __divdi3(int64_t a, int64_t b);
int64_t __moddi3(int64_t a, int64_t b);

uint64_t __udivdi3(uint64_t a, uint64_t b)
{
    return bf_udivmod64(a, b, 0);
}

uint64_t __umoddi3(uint64_t a, uint64_t b)
{
    uint64_t r;
    bf_udivmod64(a, b, &r);
    return r;
}

/* Signed: truncate towards zero; the remainder takes the sign of the dividend (C99). */
int64_t __divdi3(int64_t a, int64_t b)
{
    uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
    uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
    uint64_t q = bf_udivmod64(ua, ub, 0);
    return (int64_t)(((a < 0) != (b < 0)) ? -q : q);
}

int64_t __moddi3(int64_t a, int64_t b)
{
    uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
    uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
    uint64_t r;
    bf_udivmod64(ua, ub, &r);
    return (int64_t)(a < 0 ? -r : r);
}

#ifdef BF_PROFILE_INSTR
/*
 * Clang instrumentation PGO (-fprofile-instr-generate, with -DBF_PROFILE_INSTR). On a target
 * without an operating system, clang's instrumented code references what a hosted program gets
 * from compiler-rt's profile runtime:
 *   __llvm_profile_runtime                  a variable whose reference pulls that runtime in;
 *   __llvm_profile_register_function        called by the __llvm_profile_init constructor for
 *   __llvm_profile_register_names_function  each function's record and for the name table.
 * A module needs no runtime: its counters are in its own __llvm_prf_cnts section, the kernel
 * dumps the module's memory after the calls and the host writes the .profraw from that dump and
 * the ELF (bfbuild/llvm_profraw.py, docs/ir-pgo.md). The module linker script drops the
 * constructor, so the two functions are never called; they only satisfy the linker.
 *
 * The functions are written in assembly: when this file is itself instrumented, LLVM declares
 * them in the same translation unit with its own prototypes, and a C definition would collide
 * with those (LLVM would rename its declarations, leaving them undefined). LLVM checks for the
 * variable by name and, finding it defined here, adds no reference of its own.
 */
int __llvm_profile_runtime;

__asm__(".pushsection .text.bf_profile_stubs,\"ax\",@progbits\n"
        ".globl __llvm_profile_register_function\n"
        ".type __llvm_profile_register_function,@function\n"
        ".globl __llvm_profile_register_names_function\n"
        ".type __llvm_profile_register_names_function,@function\n"
        "__llvm_profile_register_function:\n"
        "__llvm_profile_register_names_function:\n"
        "    ret\n"
        ".popsection\n");
#endif
