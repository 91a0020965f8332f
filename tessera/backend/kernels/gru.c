/* Per-time-step elementwise parts of the fused GRU, reset_after=True (Keras's default;
 * tessera/ops/rnn_kernels.py, gru_forward / gru_backward).
 *
 * Gate order z (update), r (reset), h (candidate). The NumPy path runs about fifteen
 * ufunc calls per step on small (B, H) blocks; each kernel here does the same
 * arithmetic in one pass, beside the step's recurrent GEMM (a NumPy call). tanh is the
 * vectorisable tessera_tanhf, so results match NumPy's to float32 rounding (a few ULP
 * per tanh), not bit for bit.
 *
 * Layouts: gate g of batch row b of a step's block `a` is the H floats at
 * a + g*gs + b*lda (gate-major (3, T, B, H): gs = T*B*H, lda = H; time-major rows
 * (T, B, 3, H): gs = H, lda = 3*H). `rec` and the gradient rows are (B, 3H): row b,
 * gate g at b*ld + g*H.
 */
#include <stddef.h>
#include <string.h>

#include "vmath.h"

#define RESTRICT __restrict__

static inline __attribute__((always_inline)) void
tsr_gru_fwd_row(float *RESTRICT az, float *RESTRICT ar, float *RESTRICT ah,
                const float *RESTRICT rec, const float *RESTRICT bias,
                const float *RESTRICT hp, float *RESTRICT h, float *RESTRICT p2,
                ptrdiff_t H)
{
    const float *RESTRICT rz = rec, *RESTRICT rr = rec + H, *RESTRICT rh = rec + 2 * H;
    for (ptrdiff_t j = 0; j < H; j++) {
        float z = TESSERA_FMA(tessera_tanhf(az[j] + (rz[j] + bias[j])), 0.5f, 0.5f);
        float r = TESSERA_FMA(tessera_tanhf(ar[j] + (rr[j] + bias[H + j])), 0.5f, 0.5f);
        float p = rh[j] + bias[3 * H + j];
        float hh = tessera_tanhf((ah[j] + bias[2 * H + j]) + r * p);
        az[j] = z;
        ar[j] = r;
        ah[j] = hh;
        p2[j] = p;
        h[j] = hh + (hp[j] - hh) * z;
    }
}

/* One forward step of gru_forward, reset_after=True (the 0.5 of the sigmoids
 * 0.5 * tanh(0.5 x) + 0.5 already folded into the z and r weights and biases):
 *   a      the step's input projections (layout above; bias not added); on exit the
 *          activations z, r (sigmoid) and the candidate hh (tanh), which the backward
 *          reads;
 *   rec    (B, 3H) h_{t-1} @ R (rec row stride 3H);
 *   bias   (4, H): input+recurrent bias of z, of r, input bias of h, recurrent bias of
 *          h (zeros where there is none);
 *   hp, h  (B, H) previous and new hidden states;
 *   p2     (B, H) receives rec_h + recurrent bias of h (what the reset gate multiplies);
 *   m      NULL, or B bytes: where m[b] == 0 the row keeps the previous state.
 * As the NumPy code: z = sig(a_z + rec_z), r = sig(a_r + rec_r),
 * hh = tanh(a_h + r * p2), h = hh + (hp - hh) * z. */
void tessera_gru_fwd_step_f32(float *RESTRICT a, ptrdiff_t gs, ptrdiff_t lda,
                              const float *RESTRICT rec, const float *RESTRICT bias,
                              const float *RESTRICT hp, float *RESTRICT h,
                              float *RESTRICT p2, const unsigned char *RESTRICT m,
                              ptrdiff_t B, ptrdiff_t H)
{
    for (ptrdiff_t b = 0; b < B; b++) {
        ptrdiff_t o = b * H;
        float *ar = a + b * lda;
        tsr_gru_fwd_row(ar, ar + gs, ar + 2 * gs, rec + 3 * o, bias, hp + o, h + o, p2 + o,
                        H);
        if (m != NULL && !m[b])
            memcpy(h + o, hp + o, H * sizeof(float));
    }
}

/* One backward step of gru_backward, reset_after=True, everything but the recurrent
 * GEMM:
 *   dh (B, H)   on entry the part of d h_t that does not come through the GEMM (the
 *               last state's gradient, or the direct part left by the later step); rec
 *               (NULL at the last step, else (B, H): d rec_{t+1} @ R^T) and gy (NULL or
 *               (B, H), the outputs' gradient) are added to it. On exit the direct part
 *               of d h_{t-1}: dh * z, or all of dh in masked rows (m[b] == 0);
 *   a           the step's activations (layout above); hp = h_{t-1} (B, H);
 *   p2          (B, H) the forward's p2 (rec_h + recurrent bias of h);
 *   dx, ldx     row b at dx + b*ldx: the input pre-activation gradients (z, r, h);
 *   dr, ldr     row b at dr + b*ldr: the recurrent pre-activation gradients (z, r, h);
 *               both zero in masked rows.
 * The caller then computes rec = dr_rows @ R^T (one GEMM) and, after the first step,
 * adds it to dh. */
void tessera_gru_bwd_step_f32(float *RESTRICT dh, const float *RESTRICT rec,
                              const float *RESTRICT gy, const unsigned char *RESTRICT m,
                              const float *RESTRICT a, ptrdiff_t gs, ptrdiff_t lda,
                              const float *RESTRICT hp, const float *RESTRICT p2,
                              float *RESTRICT dx, ptrdiff_t ldx, float *RESTRICT dr,
                              ptrdiff_t ldr, ptrdiff_t B, ptrdiff_t H)
{
    for (ptrdiff_t b = 0; b < B; b++) {
        ptrdiff_t o = b * H;
        float *RESTRICT d = dh + o;
        float *RESTRICT x = dx + b * ldx, *RESTRICT y = dr + b * ldr;
        if (rec != NULL)
            for (ptrdiff_t j = 0; j < H; j++)
                d[j] = d[j] + rec[o + j];
        if (gy != NULL)
            for (ptrdiff_t j = 0; j < H; j++)
                d[j] = d[j] + gy[o + j];
        if (m != NULL && !m[b]) {
            memset(x, 0, 3 * H * sizeof(float));
            memset(y, 0, 3 * H * sizeof(float));
            continue;
        }
        const float *RESTRICT az = a + b * lda, *RESTRICT ar = az + gs;
        const float *RESTRICT ah = az + 2 * gs;
        const float *RESTRICT hpr = hp + o, *RESTRICT pr = p2 + o;
        for (ptrdiff_t j = 0; j < H; j++) {
            float g = d[j], z = az[j], r = ar[j], hh = ah[j];
            float dzv = (g * (hpr[j] - hh)) * (z - z * z);
            float dph = (g - g * z) * (1.0f - hh * hh);
            float drv = (dph * pr[j]) * (r - r * r);
            x[j] = dzv;
            x[H + j] = drv;
            x[2 * H + j] = dph;
            y[j] = dzv;
            y[H + j] = drv;
            y[2 * H + j] = dph * r;
            d[j] = g * z;
        }
    }
}
