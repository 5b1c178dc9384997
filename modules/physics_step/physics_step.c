/*
 * physics_step: position-Verlet integration in single precision of 64 particles in 2-D on a ring:
 * each is pulled to the origin by a spring (K0), to its two ring neighbours by springs (KC) and
 * down by gravity (G); 100 * work steps of dt = 1/64. The system is linear, so rounding
 * differences (x87 extended precision vs. strict float) stay tiny. All constants are dyadic, and
 * every operation is written out one at a time so its order is fixed.
 * Result: "phys 64 <steps> <SX> <SY> <X0> <Y0> <XL> <YL> <SA>": 1000 * (sum of x, sum of y,
 * first and last particle's x and y, sum of |x| + |y|), rounded half away from zero.
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define N 64
#define PH_SEED 0x50485953u

static const float DT = 0.015625f;        /* 1/64 */
static const float DT2 = 0.000244140625f; /* 1/4096 */
static const float K0 = 1.0f;
static const float KC = 16.0f;
static const float G = 0.5f;

static float bx[3][N], by[3][N];

static double absd(double x)
{
    return x < 0 ? -x : x;
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t state = bf_rand_seed(PH_SEED, 0), steps = 100 * work, s;
    int prev = 0, cur = 1, next = 2, i;
    double sx = 0, sy = 0, sa = 0;

    for (i = 0; i < N; i++) {
        float x = (float)((int32_t)bf_rand_below(&state, 2001) - 1000) * 0.0078125f;
        float y = (float)((int32_t)bf_rand_below(&state, 2001) - 1000) * 0.0078125f;
        float vx = (float)((int32_t)bf_rand_below(&state, 201) - 100) * 0.0625f;
        float vy = (float)((int32_t)bf_rand_below(&state, 201) - 100) * 0.0625f;
        float tx = vx * DT;
        float ty = vy * DT;
        bx[cur][i] = x;
        by[cur][i] = y;
        bx[prev][i] = x - tx;
        by[prev][i] = y - ty;
    }

    for (s = 0; s < steps; s++) {
        const float *cx = bx[cur], *cy = by[cur], *px = bx[prev], *py = by[prev];
        float *nx = bx[next], *ny = by[next];
        int t;
        for (i = 0; i < N; i++) {
            int l = (i + N - 1) % N, r = (i + 1) % N;
            float xi = cx[i], yi = cy[i];
            float t1, t2, t3, t4, t5, ax, ay, u1, u2, u3;

            t1 = cx[l] - xi;
            t2 = cx[r] - xi;
            t3 = t1 + t2;
            t4 = KC * t3;
            t5 = K0 * xi;
            ax = t4 - t5;

            t1 = cy[l] - yi;
            t2 = cy[r] - yi;
            t3 = t1 + t2;
            t4 = KC * t3;
            t5 = K0 * yi;
            ay = t4 - t5;
            ay = ay - G;

            u1 = xi + xi;
            u2 = u1 - px[i];
            u3 = ax * DT2;
            nx[i] = u2 + u3;

            u1 = yi + yi;
            u2 = u1 - py[i];
            u3 = ay * DT2;
            ny[i] = u2 + u3;
        }
        t = prev;
        prev = cur;
        cur = next;
        next = t;
    }

    for (i = 0; i < N; i++) {
        sx += bx[cur][i];
        sy += by[cur][i];
        sa += absd(bx[cur][i]) + absd(by[cur][i]);
    }
    api->format(result->text, sizeof result->text, "phys %d %u %d %d %d %d %d %d %d", N, steps,
                (int)bf_round(sx * 1000.0), (int)bf_round(sy * 1000.0),
                (int)bf_round(bx[cur][0] * 1000.0), (int)bf_round(by[cur][0] * 1000.0),
                (int)bf_round(bx[cur][N - 1] * 1000.0), (int)bf_round(by[cur][N - 1] * 1000.0),
                (int)bf_round(sa * 1000.0));
    return 0;
}
