/*
 * quicksort: sort 2048 pseudo-random signed integers in [-100000, 100000] (duplicates occur) with
 * a median-of-three Hoare quicksort (recursion on the smaller side, insertion sort below 16
 * elements); `work` rounds, each on a fresh array from its own seed.
 * Result: "chk=<FNV-1a over the sorted words of every round, hex> first=<min> last=<max>
 * median=<a[1024]> sorted=<rounds found in order>"; first/last/median are of the last round.
 */
#include <stdint.h>

#include "bf/module.h"
#include "modlib.h"

#define QS_N 2048u
#define QS_SEED 0x51534F52u

static int32_t arr[QS_N];

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi)
{
    int32_t i, j;
    for (i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        for (j = i - 1; j >= lo && a[j] > v; j--)
            a[j + 1] = a[j];
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int32_t i, int32_t j)
{
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort(int32_t *a, int32_t lo, int32_t hi)
{
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2, pivot, i, j;
        if (a[mid] < a[lo])
            swap(a, mid, lo);
        if (a[hi] < a[lo])
            swap(a, hi, lo);
        if (a[hi] < a[mid])
            swap(a, hi, mid);
        pivot = a[mid];
        i = lo - 1;
        j = hi + 1;
        for (;;) {
            do
                i++;
            while (a[i] < pivot);
            do
                j--;
            while (a[j] > pivot);
            if (i >= j)
                break;
            swap(a, i, j);
        }
        /* [lo, j] and [j+1, hi]: recurse into the smaller, loop on the larger */
        if (j - lo < hi - j) {
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

int module_main(const struct bf_module_api *api, uint32_t work, struct bf_module_result *result)
{
    uint32_t chk = 2166136261u, sorted = 0, round, i;

    for (round = 0; round < work; round++) {
        uint32_t state = bf_rand_seed(QS_SEED, round), ok = 1;
        for (i = 0; i < QS_N; i++)
            arr[i] = (int32_t)bf_rand_below(&state, 200001u) - 100000;
        quicksort(arr, 0, (int32_t)QS_N - 1);
        for (i = 0; i < QS_N; i++) {
            if (i && arr[i - 1] > arr[i])
                ok = 0;
            chk = (chk ^ (uint32_t)arr[i]) * 16777619u;
        }
        sorted += ok;
    }
    if (work == 0)
        memset(arr, 0, sizeof arr);
    api->format(result->text, sizeof result->text, "chk=0x%08x first=%d last=%d median=%d sorted=%u",
                chk, (int)arr[0], (int)arr[QS_N - 1], (int)arr[QS_N / 2], sorted);
    return 0;
}
