/* Elementwise parts of the fused Dense op (tessera/ops/fused.py), bit-identical to its
 * NumPy code: `y += b` then `np.maximum(y, 0, out=y)`, and the ReLU gradient
 * `g * (out > 0)`. */
#include <stddef.h>

#define RESTRICT __restrict__

/* y (rows, cols) += b (cols) [NULL: no bias]; with relu, y = max(y, 0) (NaN stays NaN,
 * as np.maximum keeps it). */
void tessera_bias_relu_f32(float *RESTRICT y, const float *RESTRICT b, ptrdiff_t rows,
                           ptrdiff_t cols, int relu)
{
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *RESTRICT row = y + r * cols;
        if (b != NULL)
            for (ptrdiff_t c = 0; c < cols; c++)
                row[c] = row[c] + b[c];
        if (relu)
            for (ptrdiff_t c = 0; c < cols; c++) {
                float v = row[c];
                row[c] = (v > 0.0f || v != v) ? v : 0.0f;   /* np.maximum(-0.0, 0) is +0.0 */
            }
    }
}

/* dst = g * (out > 0 ? 1 : 0), as NumPy's `g * (out > 0)` (inf * 0 gives NaN there too). */
void tessera_relu_grad_f32(float *RESTRICT dst, const float *RESTRICT g,
                           const float *RESTRICT out, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        dst[i] = g[i] * (out[i] > 0.0f ? 1.0f : 0.0f);
}
