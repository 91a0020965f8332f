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
