/*
 * Single-precision math for freestanding code (kernel/runtime/math.c). Each function computes in
 * double and rounds once to float, so results are within one ulp of the exact value:
 *   expf, logf, powf, sqrtf (correctly rounded), fabsf: the whole float range;
 *   sinf, cosf: |x| < 2^26 (beyond, results stay in [-1, 1] but lose accuracy).
 * Special values follow C99 Annex F (NaN in, NaN out; expf(-inf) = 0; logf(0) = -inf...), but
 * errno is never set and no floating-point exception is raised on purpose.
 */
#ifndef BF_MATH_H
#define BF_MATH_H

float fabsf(float x);
float sqrtf(float x);
float expf(float x);
float logf(float x);
float powf(float x, float y);
float sinf(float x);
float cosf(float x);

#endif
