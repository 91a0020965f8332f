/* Per-time-step elementwise parts of the fused LSTM (tessera/ops/rnn_kernels.py).
 *
 * The NumPy path runs a dozen ufunc calls per step on small (B, H) blocks; each kernel
 * here does the same arithmetic in one pass. tanh is a plain-C float function that gcc
 * vectorises (no libm call in the loops), so results differ from NumPy's in the last
 * bits (a few ULP per tanh, max abs error < 4e-7), not bit-identical.
 */
#include <stddef.h>
#include <string.h>

#include "vmath.h"

#define RESTRICT __restrict__

/* y[i] = tanh(x[i]) with the kernels' tanh (tested against np.tanh). */
void tessera_tanh_f32(const float *RESTRICT x, float *RESTRICT y, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = tessera_tanhf(x[i]);
}

/* One row (H values) of a forward step; `store`: write the activations and tanh(c). */
static inline __attribute__((always_inline)) void
tsr_lstm_fwd_row(float *RESTRICT ai, float *RESTRICT af, float *RESTRICT ao,
                 float *RESTRICT ag, const float *RESTRICT ri, const float *RESTRICT rf,
                 const float *RESTRICT ro, const float *RESTRICT rg,
                 const float *RESTRICT bias, const float *RESTRICT cp, float *RESTRICT h,
                 float *RESTRICT c, float *RESTRICT tc, ptrdiff_t H, const int store)
{
    for (ptrdiff_t j = 0; j < H; j++) {
        float i = TESSERA_FMA(tessera_tanhf(ai[j] + (ri[j] + bias[j])), 0.5f, 0.5f);
        float f = TESSERA_FMA(tessera_tanhf(af[j] + (rf[j] + bias[H + j])), 0.5f, 0.5f);
        float o = TESSERA_FMA(tessera_tanhf(ao[j] + (ro[j] + bias[2 * H + j])), 0.5f, 0.5f);
        float g = tessera_tanhf(ag[j] + (rg[j] + bias[3 * H + j]));
        float cn = f * cp[j] + i * g;
        float t = tessera_tanhf(cn);
        if (store) {
            ai[j] = i;
            af[j] = f;
            ao[j] = o;
            ag[j] = g;
            tc[j] = t;
        }
        c[j] = cn;
        h[j] = o * t;
    }
}

/* One forward step of lstm_forward (gate order i, f, o, g; the 0.5 of the sigmoids
 * 0.5 * tanh(0.5 z) + 0.5 already folded into the weights and bias):
 *   a     the step's pre-activations: gate k of batch row b is the H floats at
 *         a + k*gs + b*lda (gate-major (4, T, B, H): gs = T*B*H, lda = H; batch-major
 *         (B, T, 4, H): gs = H, lda = T*4*H). On entry the input projections, on exit
 *         (where tc is not NULL) the activations (sigmoid i, f, o; tanh g), which the
 *         backward reads;
 *   pf    where nonzero, row b's inputs of the next step lie at a + pf + b*lda (they are
 *         prefetched: batch-major rows are too far apart for the hardware prefetcher);
 *   rec   (4, B, H) h_{t-1} @ R per gate;  bias (4, H) (zeros where there is none);
 *   hp, cp (B, H) previous states; h, c (B, H) new states;
 *   tc    (B, H) receives tanh(c) (before masking), or NULL (inference: a and tc are
 *         left as they are);
 *   m     NULL, or B bytes: where m[b] == 0 the row keeps the previous states.
 * As the NumPy code: z = a + (rec + bias); act = tanh(z) (then * 0.5 + 0.5 for i, f, o);
 * c = f * cp + i * g; h = o * tanh(c). */
void tessera_lstm_fwd_step_f32(float *RESTRICT a, ptrdiff_t gs, ptrdiff_t lda, ptrdiff_t pf,
                               const float *RESTRICT rec, const float *RESTRICT bias,
                               const float *RESTRICT hp, const float *RESTRICT cp,
                               float *RESTRICT h, float *RESTRICT c, float *RESTRICT tc,
                               const unsigned char *RESTRICT m, ptrdiff_t B, ptrdiff_t H)
{
    ptrdiff_t bh = B * H;
    for (ptrdiff_t b = 0; b < B; b++) {
        ptrdiff_t o = b * H;
        float *ar = a + b * lda;
        if (pf != 0)
            for (ptrdiff_t k = 0; k < 4; k++)
                for (ptrdiff_t j = 0; j < H; j += 16)
                    __builtin_prefetch(ar + pf + k * gs + j);
        if (tc != NULL)
            tsr_lstm_fwd_row(ar, ar + gs, ar + 2 * gs, ar + 3 * gs, rec + o, rec + bh + o,
                             rec + 2 * bh + o, rec + 3 * bh + o, bias, cp + o, h + o, c + o,
                             tc + o, H, 1);
        else
            tsr_lstm_fwd_row(ar, ar + gs, ar + 2 * gs, ar + 3 * gs, rec + o, rec + bh + o,
                             rec + 2 * bh + o, rec + 3 * bh + o, bias, cp + o, h + o, c + o,
                             NULL, H, 0);
        if (m != NULL && !m[b]) {
            memcpy(h + o, hp + o, H * sizeof(float));
            memcpy(c + o, cp + o, H * sizeof(float));
        }
    }
}

/* One backward step of lstm_backward, everything but the recurrent GEMM:
 *   dh (B, H)  the gradient reaching h_t: on entry, where rec is NULL, the last state's
 *              gradient; else it is first set to rec[0] + rec[1] + rec[2] + rec[3]
 *              (rec (4, B, H): the GEMMs dz_{t+1} @ R^T per gate), or to ph's row where
 *              mp[b] == 0 (the gradient that passed that masked step by); then gy (NULL
 *              or (B, H)) is added;
 *   dc (B, H)  d c_t on entry, d c_{t-1} on exit (unchanged in masked rows);
 *   m, mp      NULL, or B bytes: this step's mask and the one processed before it;
 *   ph (B, H)  where m[b] == 0, receives dh's row (passed on to the earlier step);
 *   a          the step's activations, gate k of row b at a + k*gs + b*lda (as in the
 *              forward); tc = tanh(c_t), cprev = c_{t-1}, both (B, H);
 *   dz         row b at dz + b*ldz: the gate pre-activation gradients (i, f, o, g, each
 *              H wide), zero in masked rows.
 * The caller then computes rec = dz @ R^T per gate and, after the last step, dh from
 * rec and ph as above. */
void tessera_lstm_bwd_step_f32(float *RESTRICT dh, float *RESTRICT dc,
                               const float *RESTRICT rec, const float *RESTRICT gy,
                               const unsigned char *RESTRICT m,
                               const unsigned char *RESTRICT mp, float *RESTRICT ph,
                               const float *RESTRICT a, ptrdiff_t gs, ptrdiff_t lda,
                               const float *RESTRICT tc, const float *RESTRICT cprev,
                               float *RESTRICT dz, ptrdiff_t ldz, ptrdiff_t B, ptrdiff_t H)
{
    ptrdiff_t bh = B * H;
    for (ptrdiff_t b = 0; b < B; b++) {
        ptrdiff_t o = b * H;
        float *RESTRICT dhr = dh + o, *RESTRICT dcr = dc + o;
        float *RESTRICT z = dz + b * ldz;
        if (mp != NULL && !mp[b]) {
            memcpy(dhr, ph + o, H * sizeof(float));
        } else if (rec != NULL) {
            const float *RESTRICT r = rec + o;
            for (ptrdiff_t j = 0; j < H; j++)
                dhr[j] = ((r[j] + r[bh + j]) + r[2 * bh + j]) + r[3 * bh + j];
        }
        if (gy != NULL)
            for (ptrdiff_t j = 0; j < H; j++)
                dhr[j] = dhr[j] + gy[o + j];
        if (m != NULL && !m[b]) {
            memcpy(ph + o, dhr, H * sizeof(float));
            memset(z, 0, 4 * H * sizeof(float));
            continue;
        }
        const float *RESTRICT ai = a + b * lda, *RESTRICT af = ai + gs;
        const float *RESTRICT ao = ai + 2 * gs, *RESTRICT ag = ai + 3 * gs;
        const float *RESTRICT t = tc + o, *RESTRICT cp = cprev + o;
        for (ptrdiff_t j = 0; j < H; j++) {
            float d = dhr[j], i = ai[j], f = af[j], og = ao[j], g = ag[j], tj = t[j];
            float dcj = dcr[j] + (d * og) * (1.0f - tj * tj);
            z[j] = ((dcj * g) * i) * (1.0f - i);
            z[H + j] = ((dcj * cp[j]) * f) * (1.0f - f);
            z[2 * H + j] = ((d * tj) * og) * (1.0f - og);
            z[3 * H + j] = ((dcj * i) * (g + 1.0f)) * (1.0f - g);
            dcr[j] = dcj * f;
        }
    }
}
