/* Tessera's optional compiled CPU kernels: the Adam update (see tessera/backend/native.py).
 *
 * Each kernel does in one pass what the NumPy code path does in several ufunc calls,
 * with the same float32 operations in the same order (compiled with
 * -ffp-contract=off, so no multiply-add is fused): results are bit-identical to the
 * NumPy path. Plain C99, no dependencies; every function works on a range of a
 * contiguous array so that the caller may split one array between threads.
 */
#include <math.h>
#include <stddef.h>

#define RESTRICT __restrict__

/* Adam (Keras 3's rule, in the NumPy path's order):
 *   m = m*b1 + g*c1;  v = v*b2 + (g*g)*c2;  [vh = max(vh, v)]
 *   w -= ((m / (sqrt(v or vh) + eps)) * alpha)
 * with b1 = 1 - c1 and b2 = 1 - c2 passed as float32 (NumPy rounds them the same way). */
void tessera_adam_f32(float *RESTRICT w, const float *RESTRICT g, float *RESTRICT m,
                      float *RESTRICT v, float *RESTRICT vh, ptrdiff_t n,
                      float alpha, float c1, float b1, float c2, float b2, float eps)
{
    if (vh == NULL) {
        for (ptrdiff_t i = 0; i < n; i++) {
            float gi = g[i];
            float mi = m[i] * b1 + gi * c1;
            float vi = v[i] * b2 + (gi * gi) * c2;
            m[i] = mi;
            v[i] = vi;
            w[i] -= (mi / (sqrtf(vi) + eps)) * alpha;
        }
    } else {
        for (ptrdiff_t i = 0; i < n; i++) {
            float gi = g[i];
            float mi = m[i] * b1 + gi * c1;
            float vi = v[i] * b2 + (gi * gi) * c2;
            float hi = vh[i];
            /* np.maximum: NaN wins */
            hi = (hi >= vi || hi != hi) ? hi : vi;
            if (vi != vi)
                hi = vi;
            m[i] = mi;
            v[i] = vi;
            vh[i] = hi;
            w[i] -= (mi / (sqrtf(hi) + eps)) * alpha;
        }
    }
}

/* Adam over many variables as one range: the variables' elements are taken in order as
 * one sequence and [start, stop) of it is updated (so two threads can split a step's
 * whole update by element counts). vh is NULL without amsgrad. */
void tessera_adam_multi_f32(ptrdiff_t nvar, float **w, float **g, float **m, float **v,
                            float **vh, const ptrdiff_t *n, ptrdiff_t start, ptrdiff_t stop,
                            float alpha, float c1, float b1, float c2, float b2, float eps)
{
    ptrdiff_t base = 0;
    for (ptrdiff_t k = 0; k < nvar && base < stop; k++) {
        ptrdiff_t lo = start > base ? start - base : 0;
        ptrdiff_t hi = stop - base < n[k] ? stop - base : n[k];
        if (hi > lo)
            tessera_adam_f32(w[k] + lo, g[k] + lo, m[k] + lo, v[k] + lo,
                             vh ? vh[k] + lo : NULL, hi - lo, alpha, c1, b1, c2, b2, eps);
        base += n[k];
    }
}
