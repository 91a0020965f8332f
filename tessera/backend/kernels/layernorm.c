/* Layer normalisation over the last axis of a (rows, k) float32 array, forward and
 * backward, one pass per row (tessera/ops/normalization.py). Sums use 16 partial sums
 * (so the compiler vectorises them): values agree with the NumPy path to float
 * rounding, not bit for bit. */
#include <math.h>
#include <stddef.h>

#define RESTRICT __restrict__
#define L 16

static float row_sum(const float *RESTRICT a, ptrdiff_t k)
{
    float acc[L] = {0};
    ptrdiff_t i = 0;
    for (; i + L <= k; i += L)
        for (int j = 0; j < L; j++)
            acc[j] += a[i + j];
    float s = 0.0f;
    for (; i < k; i++)
        s += a[i];
    for (int j = 0; j < L; j++)
        s += acc[j];
    return s;
}

static float row_dot(const float *RESTRICT a, const float *RESTRICT b, ptrdiff_t k)
{
    float acc[L] = {0};
    ptrdiff_t i = 0;
    for (; i + L <= k; i += L)
        for (int j = 0; j < L; j++)
            acc[j] += a[i + j] * b[i + j];
    float s = 0.0f;
    for (; i < k; i++)
        s += a[i] * b[i];
    for (int j = 0; j < L; j++)
        s += acc[j];
    return s;
}

/* y = xhat * scale + offset with xhat = (x - mean) * inv, inv = 1 / sqrt(var + eps).
 * scale / offset may be NULL; xhat (rows, k) and inv (rows) may be NULL (inference). */
void tessera_layernorm_fwd_f32(const float *RESTRICT x, const float *RESTRICT scale,
                               const float *RESTRICT offset, float *RESTRICT y,
                               float *RESTRICT xhat, float *RESTRICT inv, ptrdiff_t rows,
                               ptrdiff_t k, float eps)
{
    float rk = 1.0f / (float)k;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + r * k;
        float *yr = y + r * k;
        float mean = row_sum(xr, k) * rk;
        for (ptrdiff_t c = 0; c < k; c++)
            yr[c] = xr[c] - mean;
        float iv = 1.0f / sqrtf(row_dot(yr, yr, k) * rk + eps);
        for (ptrdiff_t c = 0; c < k; c++)
            yr[c] *= iv;
        if (xhat != NULL) {
            float *hr = xhat + r * k;
            for (ptrdiff_t c = 0; c < k; c++)
                hr[c] = yr[c];
            inv[r] = iv;
        }
        if (scale != NULL)
            for (ptrdiff_t c = 0; c < k; c++)
                yr[c] *= scale[c];
        if (offset != NULL)
            for (ptrdiff_t c = 0; c < k; c++)
                yr[c] += offset[c];
    }
}

/* dx = inv * (g s - mean(g s) - xhat mean(g s xhat)) (s = scale or 1); dscale += sum over
 * rows of g xhat, doffset += sum of g (each may be NULL; dscale/doffset are zeroed here).
 * gs is a k-float scratch. */
void tessera_layernorm_bwd_f32(const float *RESTRICT g, const float *RESTRICT xhat,
                               const float *RESTRICT inv, const float *RESTRICT scale,
                               float *RESTRICT dx, float *RESTRICT dscale,
                               float *RESTRICT doffset, float *RESTRICT gs, ptrdiff_t rows,
                               ptrdiff_t k)
{
    float rk = 1.0f / (float)k;
    if (dscale != NULL)
        for (ptrdiff_t c = 0; c < k; c++)
            dscale[c] = 0.0f;
    if (doffset != NULL)
        for (ptrdiff_t c = 0; c < k; c++)
            doffset[c] = 0.0f;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *gr = g + r * k, *hr = xhat + r * k;
        if (dscale != NULL)
            for (ptrdiff_t c = 0; c < k; c++)
                dscale[c] += gr[c] * hr[c];
        if (doffset != NULL)
            for (ptrdiff_t c = 0; c < k; c++)
                doffset[c] += gr[c];
        if (dx == NULL)
            continue;
        if (scale != NULL)
            for (ptrdiff_t c = 0; c < k; c++)
                gs[c] = gr[c] * scale[c];
        else
            for (ptrdiff_t c = 0; c < k; c++)
                gs[c] = gr[c];
        float m1 = row_sum(gs, k) * rk;
        float m2 = row_dot(gs, hr, k) * rk;
        float iv = inv[r];
        float *dr = dx + r * k;
        for (ptrdiff_t c = 0; c < k; c++)
            dr[c] = (gs[c] - m1 - hr[c] * m2) * iv;
    }
}
