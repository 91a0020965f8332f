/* Sparse softmax cross-entropy, mean over rows, in one pass (tessera/ops/nn.py):
 *   loss = mean_r( log(sum_c exp(x[r,c] - max_r)) - (x[r,label_r] - max_r) )
 * and p = softmax(x) (rows, cols) for the backward. Uses libm's expf/logf, so values
 * agree with NumPy's to float rounding, not bit for bit. Returns the mean (0 rows: 0;
 * a label outside [0, cols): NaN, the caller checks labels first). */
#include <math.h>
#include <stddef.h>

double tessera_sparse_ce_mean_f32(const float *x, const int *labels, float *p,
                                  ptrdiff_t rows, ptrdiff_t cols)
{
    double total = 0.0;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *pr = p + r * cols;
        float mx = xr[0];
        for (ptrdiff_t c = 1; c < cols; c++)
            mx = (xr[c] > mx || xr[c] != xr[c]) ? xr[c] : mx;
        float s = 0.0f;
        for (ptrdiff_t c = 0; c < cols; c++) {
            float e = expf(xr[c] - mx);
            pr[c] = e;
            s += e;
        }
        float inv = 1.0f / s;
        for (ptrdiff_t c = 0; c < cols; c++)
            pr[c] *= inv;
        if (labels[r] < 0 || labels[r] >= cols)
            return NAN;
        total += (double)(logf(s) - (xr[labels[r]] - mx));
    }
    return rows ? total / (double)rows : 0.0;
}
