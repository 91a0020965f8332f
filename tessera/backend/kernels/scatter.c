/* Row scatter for embedding gradients (tessera/ops/indexing.py) into a zeroed z: for i
 * in order, the first occurrence of a row is copied (z[r] = v[i]) and later ones added
 * (z[r] += v[i]), exactly as NumPy's sorted-pass code does (bit-identical, signed zeros
 * included). `seen` is a zeroed byte per row of z. Rows are checked by the caller. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RESTRICT __restrict__

void tessera_scatter_rows_f32(float *RESTRICT z, const int64_t *RESTRICT rows,
                              const float *RESTRICT v, uint8_t *RESTRICT seen, ptrdiff_t n,
                              ptrdiff_t d)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        int64_t r = rows[i];
        float *RESTRICT zr = z + r * d;
        const float *RESTRICT vr = v + i * d;
        if (!seen[r]) {
            seen[r] = 1;
            memcpy(zr, vr, (size_t)d * sizeof(float));
        } else {
            for (ptrdiff_t j = 0; j < d; j++)
                zr[j] += vr[j];
        }
    }
}
