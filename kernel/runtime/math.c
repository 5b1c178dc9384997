/*
 * Single-precision math (bf/math.h). Every function works in double: the polynomial and
 * reduction errors stay near 1e-14, far below half a float ulp, so the one rounding to float at
 * the end decides the result. On i686 the doubles live in x87 registers (even wider), on SSE2
 * builds in XMM registers; either way the float result is the same except in rare near-halfway
 * cases.
 */
#include <stdint.h>
#include <bf/math.h>

#define LOG2E 1.44269504088896338700e+00
/* ln 2 in two parts: k * LN2_HI is exact for |k| < 2^20. */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define SQRT2 1.41421356237309514547e+00
#define TWO_OVER_PI 6.36619772367581382433e-01
#define TWO_PI 6.28318530717958647692e+00
/* pi/2 in four parts of at most 27 bits, so k * part is exact for |k| < 2^26. */
#define PIO2_1 0x1.921fb54p+0
#define PIO2_2 0x1.10b461p-30
#define PIO2_3 0x1.a62633p-58
#define PIO2_4 0x1.45c06e0e68948p-86

static inline uint32_t float_bits(float f)
{
    union { float f; uint32_t u; } v = { .f = f };
    return v.u;
}

static inline float bits_float(uint32_t u)
{
    union { uint32_t u; float f; } v = { .u = u };
    return v.f;
}

static inline uint64_t double_bits(double d)
{
    union { double d; uint64_t u; } v = { .d = d };
    return v.u;
}

static inline double bits_double(uint64_t u)
{
    union { uint64_t u; double d; } v = { .u = u };
    return v.d;
}

/*
 * On the x87 a value in a register keeps its extended precision even when its C type is float;
 * going through memory rounds it to a true float, so callers see the same value whatever the
 * register allocation.
 */
static inline float round_float(double d)
{
    volatile float f = (float)d;
    return f;
}

static inline int is_nan(float x)
{
    return (float_bits(x) & 0x7fffffffu) > 0x7f800000u;
}

static inline int nearest_int(double x)
{
    return (int)(x >= 0 ? x + 0.5 : x - 0.5);
}

float fabsf(float x)
{
    return bits_float(float_bits(x) & 0x7fffffffu);
}

float sqrtf(float x)
{
    float r;
#if defined(__SSE__)
    __asm__("sqrtss %1, %0" : "=x"(r) : "x"(x));
#else
    /* fsqrt on an extended value then one rounding to float is correctly rounded (64 >= 2*24+2). */
    __asm__("fsqrt" : "=t"(r) : "0"(x));
#endif
    return round_float(r);
}

/* 2^k for -1022 <= k <= 1023. */
static inline double pow2i(int k)
{
    return bits_double((uint64_t)(k + 1023) << 52);
}

/* e^x for |x| <= 745; larger magnitudes saturate (callers clamp before). */
static double exp_double(double x)
{
    if (x > 709.0)
        return bits_double(0x7ff0000000000000ull);
    if (x < -745.0)
        return 0.0;
    int k = nearest_int(x * LOG2E);
    double r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= ln2/2 */
    /* Taylor series to r^11: the next term is below 1e-14. */
    double p = 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* Two steps of scaling keep 2^k representable down to the smallest denormal. */
    if (k < -1000)
        return p * pow2i(k + 200) * pow2i(-200);
    if (k > 1000)
        return p * pow2i(k - 100) * pow2i(100);
    return p * pow2i(k);
}

/* ln x for a finite x > 0 (float denormals are normal doubles). */
static double log_double(double x)
{
    uint64_t bits = double_bits(x);
    int e = (int)(bits >> 52) - 1023;
    double m = bits_double((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull); /* [1, 2) */
    if (m > SQRT2) {
        m *= 0.5;
        e++;
    }
    /* ln m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.172: a fast series in s^2. */
    double s = (m - 1.0) / (m + 1.0);
    double s2 = s * s;
    double p = 1.0 / 23.0;
    p = p * s2 + 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    p = p * s2 + 1.0;
    return e * LN2_HI + (e * LN2_LO + 2.0 * s * p);
}

float expf(float x)
{
    if (is_nan(x))
        return x;
    /* Beyond these the float result is inf or 0 anyway. */
    if (x > 90.0f)
        return bits_float(0x7f800000u);
    if (x < -110.0f)
        return 0.0f;
    return round_float(exp_double(x));
}

float logf(float x)
{
    uint32_t bits = float_bits(x);
    if (is_nan(x))
        return x;
    if ((bits & 0x7fffffffu) == 0)
        return bits_float(0xff800000u); /* -inf */
    if (bits & 0x80000000u)
        return bits_float(0x7fc00000u); /* NaN */
    if (bits == 0x7f800000u)
        return x;
    return round_float(log_double(x));
}

/* 0: not an integer, 1: an odd integer, 2: an even integer. */
static int integer_kind(float y)
{
    float a = fabsf(y);
    if (a >= 16777216.0f) /* 2^24: every such float is an even integer */
        return 2;
    int i = (int)a;
    if ((float)i != a)
        return 0;
    return (i & 1) ? 1 : 2;
}

float powf(float x, float y)
{
    const float inf = bits_float(0x7f800000u);
    if (y == 0.0f || x == 1.0f)
        return 1.0f;
    if (is_nan(x) || is_nan(y))
        return bits_float(0x7fc00000u);
    int negate = 0;
    if (float_bits(x) & 0x80000000u) { /* x < 0, or -0 */
        int kind = integer_kind(y);
        if (x == -1.0f && fabsf(y) == inf)
            return 1.0f;
        if (kind == 0 && x != 0.0f)
            return bits_float(0x7fc00000u);
        negate = kind == 1;
        x = fabsf(x);
    }
    float result;
    if (fabsf(y) == inf) {
        if (x == 1.0f)
            return 1.0f;
        result = ((x > 1.0f) == (y > 0.0f)) ? inf : 0.0f;
    } else if (x == 0.0f) {
        result = y > 0.0f ? 0.0f : inf;
    } else if (x == inf) {
        result = y > 0.0f ? inf : 0.0f;
    } else {
        double t = (double)y * log_double(x);
        if (t > 90.0)
            result = inf;
        else if (t < -110.0)
            result = 0.0f;
        else
            result = round_float(exp_double(t));
    }
    return negate ? -result : result;
}

/* The integer part of x, for any finite double. */
static double trunc_double(double x)
{
    uint64_t bits = double_bits(x);
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    if (e >= 52)
        return x;
    if (e < 0)
        return bits_double(bits & 0x8000000000000000ull);
    return bits_double(bits & ~(0x000fffffffffffffull >> e));
}

/* x = k pi/2 + r with |r| <= pi/4 (slightly more at the edges); returns k mod 4. */
static unsigned reduce_half_pi(double x, double *r)
{
    /*
     * Above 2^26 the products k * PIO2_n stop being exact. Such arguments only get a bounded
     * result: whole turns are removed in double, which keeps the value in [-1, 1] but not its
     * accuracy (inference never gets there: RoPE angles stay below seq_len).
     */
    while (x >= 67108864.0 || x <= -67108864.0)
        x -= trunc_double(x * (TWO_OVER_PI * 0.25)) * TWO_PI;
    int k = nearest_int(x * TWO_OVER_PI);
    *r = (((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3) - k * PIO2_4;
    return (unsigned)k & 3u;
}

static double sin_poly(double r)
{
    double r2 = r * r;
    double p = 1.0 / 6227020800.0;
    p = p * r2 - 1.0 / 39916800.0;
    p = p * r2 + 1.0 / 362880.0;
    p = p * r2 - 1.0 / 5040.0;
    p = p * r2 + 1.0 / 120.0;
    p = p * r2 - 1.0 / 6.0;
    return r + r * r2 * p;
}

static double cos_poly(double r)
{
    double r2 = r * r;
    double p = -1.0 / 87178291200.0;
    p = p * r2 + 1.0 / 479001600.0;
    p = p * r2 - 1.0 / 3628800.0;
    p = p * r2 + 1.0 / 40320.0;
    p = p * r2 - 1.0 / 720.0;
    p = p * r2 + 1.0 / 24.0;
    p = p * r2 - 0.5;
    return 1.0 + r2 * p;
}

float sinf(float x)
{
    if ((float_bits(x) & 0x7fffffffu) >= 0x7f800000u)
        return x - x; /* NaN for NaN and +-inf */
    if (x == 0.0f)
        return x; /* keeps the sign of -0 */
    double r;
    switch (reduce_half_pi(x, &r)) {
    case 0: return round_float(sin_poly(r));
    case 1: return round_float(cos_poly(r));
    case 2: return round_float(-sin_poly(r));
    default: return round_float(-cos_poly(r));
    }
}

float cosf(float x)
{
    if ((float_bits(x) & 0x7fffffffu) >= 0x7f800000u)
        return x - x;
    double r;
    switch (reduce_half_pi(x, &r)) {
    case 0: return round_float(cos_poly(r));
    case 1: return round_float(-sin_poly(r));
    case 2: return round_float(-cos_poly(r));
    default: return round_float(sin_poly(r));
    }
}
