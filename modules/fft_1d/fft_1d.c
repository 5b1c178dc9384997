/*
 * fft_1d: radix-2 iterative (bit reversal + in-place butterflies) complex FFT of 256 points in
 * double precision. Each unit of work transforms a fresh signal whose real and imaginary parts are
 * pseudo-random integers in [-1000, 1000]. Twiddles come from a Taylor series (no libm).
 * Result: "fft256 <E> <A> <B> <L> <R> <I>" where, summed over the rounds and rounded at the end,
 *   E = sum |X_k|^2 / N, A = sum (k+1) Re X_k, B = sum (k+1) Im X_k, L = sum |Re X_k| + |Im X_k|,
 * and R, I = 1000 * Re X_5, 1000 * Im X_5 of the last round (rounded half away from zero).
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define N 256
#define LOG2N 8
#define FFT_SEED 0x46465431u
#define PI 3.14159265358979323846

static double re[N], im[N], wr[N / 2], wi[N / 2];

/* cos and sin of x in [0, pi/2] by their Taylor series (terms below 1e-20 are dropped). */
static void cos_sin_q1(double x, double *c, double *s)
{
    double x2 = x * x, tc = 1.0, ts = x, sc = 1.0, ss = x;
    int k;
    for (k = 1; k < 20; k++) {
        tc = -tc * x2 / ((2 * k - 1) * (2 * k));
        ts = -ts * x2 / ((2 * k) * (2 * k + 1));
        sc += tc;
        ss += ts;
    }
    *c = sc;
    *s = ss;
}

/* Twiddles w_k = exp(-2 pi i k / N), k < N/2, using cos(pi - x) = -cos(x), sin(pi - x) = sin(x). */
static void make_twiddles(void)
{
    int k;
    for (k = 0; k < N / 2; k++) {
        double c, s;
        if (4 * k <= N) {
            cos_sin_q1(2.0 * PI * k / N, &c, &s);
        } else {
            cos_sin_q1(2.0 * PI * (N / 2 - k) / N, &c, &s);
            c = -c;
        }
        wr[k] = c;
        wi[k] = -s;
    }
}

static void fft(void)
{
    int i, j, len, half, step, k;
    for (i = 0; i < N; i++) {
        int r = 0, b;
        for (b = 0; b < LOG2N; b++)
            r |= ((i >> b) & 1) << (LOG2N - 1 - b);
        if (r > i) {
            double t = re[i];
            re[i] = re[r];
            re[r] = t;
            t = im[i];
            im[i] = im[r];
            im[r] = t;
        }
    }
    for (len = 2; len <= N; len <<= 1) {
        half = len >> 1;
        step = N / len;
        for (i = 0; i < N; i += len) {
            for (j = 0, k = 0; j < half; j++, k += step) {
                int p = i + j, q = i + j + half;
                double tr = re[q] * wr[k] - im[q] * wi[k];
                double ti = re[q] * wi[k] + im[q] * wr[k];
                re[q] = re[p] - tr;
                im[q] = im[p] - ti;
                re[p] += tr;
                im[p] += ti;
            }
        }
    }
}

static double absd(double x)
{
    return x < 0 ? -x : x;
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    double e = 0, a = 0, b = 0, l = 0, r5 = 0, i5 = 0;
    uint32_t round;
    int k;

    make_twiddles();
    for (round = 0; round < work; round++) {
        uint32_t state = bf_rand_seed(FFT_SEED, round);
        for (k = 0; k < N; k++) {
            re[k] = (double)((int32_t)bf_rand_below(&state, 2001) - 1000);
            im[k] = (double)((int32_t)bf_rand_below(&state, 2001) - 1000);
        }
        fft();
        for (k = 0; k < N; k++) {
            e += (re[k] * re[k] + im[k] * im[k]) / N;
            a += (k + 1) * re[k];
            b += (k + 1) * im[k];
            l += absd(re[k]) + absd(im[k]);
        }
        r5 = re[5];
        i5 = im[5];
    }
    api->format(result->text, sizeof result->text, "fft256 %lld %lld %lld %lld %d %d",
                (long long)bf_round64(e), (long long)bf_round64(a), (long long)bf_round64(b),
                (long long)bf_round64(l), (int)bf_round(r5 * 1000.0), (int)bf_round(i5 * 1000.0));
    return 0;
}
