/* Softmax over the second-to-last axis of `mats` contiguous (S, T) float32 matrices, in
 * place (the attention weights' transposed layout in tessera/ops/attention.py), and its
 * backward's elementwise step. */
#include <stddef.h>
#include "vmath.h"

#define RESTRICT __restrict__

/* a[m, :, t] = softmax(a[m, :, t]) for every column t; with sub_max the column maximum
 * is subtracted first (otherwise the caller knows the logits are small). `col` is a
 * 2*T-float scratch. */
void tessera_softmax_cols_f32(float *RESTRICT a, ptrdiff_t mats, ptrdiff_t S, ptrdiff_t T,
                              int sub_max, float *RESTRICT col)
{
    float *mx = col, *sum = col + T;
    for (ptrdiff_t m = 0; m < mats; m++) {
        float *am = a + m * S * T;
        for (ptrdiff_t t = 0; t < T; t++) {
            mx[t] = sub_max ? am[t] : 0.0f;
            sum[t] = 0.0f;
        }
        if (sub_max)
            for (ptrdiff_t s = 1; s < S; s++) {
                const float *r = am + s * T;
                for (ptrdiff_t t = 0; t < T; t++)
                    mx[t] = (r[t] > mx[t] || r[t] != r[t]) ? r[t] : mx[t];
            }
        for (ptrdiff_t s = 0; s < S; s++) {
            float *r = am + s * T;
            for (ptrdiff_t t = 0; t < T; t++) {
                float e = tessera_expf(r[t] - mx[t]);
                r[t] = e;
                sum[t] += e;
            }
        }
        for (ptrdiff_t t = 0; t < T; t++)
            sum[t] = 1.0f / sum[t];
        for (ptrdiff_t s = 0; s < S; s++) {
            float *r = am + s * T;
            for (ptrdiff_t t = 0; t < T; t++)
                r[t] *= sum[t];
        }
    }
}

/* d[m, s, t] = (d[m, s, t] - r[m, t]) * p[m, s, t]: the softmax backward given the row
 * sums r = sum_s d p (bit-identical to NumPy's `d -= r[..., None, :]; d *= p`). */
void tessera_softmax_cols_bwd_f32(float *RESTRICT d, const float *RESTRICT p,
                                  const float *RESTRICT r, ptrdiff_t mats, ptrdiff_t S,
                                  ptrdiff_t T)
{
    for (ptrdiff_t m = 0; m < mats; m++)
        for (ptrdiff_t s = 0; s < S; s++) {
            float *dr = d + (m * S + s) * T;
            const float *pr = p + (m * S + s) * T, *rm = r + m * T;
            for (ptrdiff_t t = 0; t < T; t++)
                dr[t] = (dr[t] - rm[t]) * pr[t];
        }
}

/* y = exp(x) elementwise with tessera_expf (for tests of its accuracy). */
void tessera_exp_f32(const float *RESTRICT x, float *RESTRICT y, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = tessera_expf(x[i]);
}
