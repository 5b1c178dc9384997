/*
 * The q8 row, written once for every variant: a variant file defines Q8_ROW_TARGET (its target
 * attribute, or nothing), Q8_ROW_NAME and a `static inline int32_t group_dot(x, row, n)` of
 * its instruction set, then includes this file. The floats are combined group by group in one
 * order, so every variant gives the same bits.
 */
#pragma clang fp contract(off)

Q8_ROW_TARGET __attribute__((always_inline)) static inline float
row_groups(const int8_t *x, const float *xs, const int8_t *row, const float *ws, int groups,
           int group_size)
{
    float val = 0.0f;
    for (int g = 0; g < groups; g++, x += group_size, row += group_size)
        val += ((float)group_dot(x, row, group_size) * ws[g]) * xs[g];
    return val;
}

Q8_ROW_TARGET float Q8_ROW_NAME(const int8_t *x, const float *xs, const int8_t *row,
                                const float *ws, int groups, int group_size)
{
    /* Groups of 32 (the size llama2.c's export picks for dim 288, 96...): a constant the
     * compiler unrolls the group's dot product for. */
    if (group_size == 32)
        return row_groups(x, xs, row, ws, groups, 32);
    return row_groups(x, xs, row, ws, groups, group_size);
}
