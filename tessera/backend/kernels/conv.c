/* The non-GEMM passes of the fused convnet block `conv2d_relu_max_pool`
 * (tessera/ops/conv_pool.py), one compiled pass each; the GEMMs stay in BLAS.
 *
 * Layout (channels-last, float32, C-contiguous): the conv output rows are
 * pool-member-major, row = ((a*pw + b)*N + n)*PH*PW + i*PW + j for pooling window
 * (i, j) of image n and window member (a, b), i.e. conv output position
 * (oy, ox) = (i*ph + a, j*pw + b). Every function works on a range (of images,
 * windows or input rows) so that the caller may split one call between threads or
 * run it on a chunk of the batch. They only copy, compare, add and multiply by
 * 0/1, in the NumPy path's order: results are bit-identical to it (signed zeros and
 * NaNs included), except the bias gradient (a sum in a different order).
 */
#include <stddef.h>
#include <string.h>

#define RESTRICT __restrict__

/* im2col, rows (P*M, kh*kw*C) in the row order above, for images [n0, n1): row r holds
 * the patch of the padded input x (N, Hp, Wp, C) read by conv output (oy, ox):
 * x[n, oy*sh + u*dh, ox*sw + v*dw, :] for (u, v) in row-major order. */
void tessera_im2col_pool_f32(const float *RESTRICT x, float *RESTRICT cols, ptrdiff_t n,
                             ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, ptrdiff_t kh,
                             ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t dh,
                             ptrdiff_t dw, ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t PH,
                             ptrdiff_t PW, ptrdiff_t n0, ptrdiff_t n1)
{
    ptrdiff_t k = kh * kw * c, run = dw == 1 ? kw * c : c;
    for (ptrdiff_t mem = 0; mem < ph * pw; mem++)
        for (ptrdiff_t nn = n0; nn < n1; nn++)
            for (ptrdiff_t i = 0; i < PH; i++) {
                ptrdiff_t l = (mem * n + nn) * PH + i, oy = i * ph + mem / pw, b = mem % pw;
                float *RESTRICT dst = cols + l * PW * k;
                for (ptrdiff_t j = 0; j < PW; j++) {
                    ptrdiff_t ox = j * pw + b;
                    for (ptrdiff_t u = 0; u < kh; u++) {
                        const float *src = x + ((nn * hp + oy * sh + u * dh) * wp + ox * sw) * c;
                        if (dw == 1) {      /* the kernel row is one run of kw*C floats */
                            memcpy(dst, src, (size_t)run * sizeof(float));
                            dst += run;
                        } else {
                            for (ptrdiff_t v = 0; v < kw; v++, dst += c)
                                memcpy(dst, src + v * dw * c, (size_t)c * sizeof(float));
                        }
                    }
                }
            }
}

/* The same patches transposed, (kh*kw*C, P*M) (for few input channels), for images
 * [n0, n1): cols[(u*kw + v)*C + ch, r] = x[n, oy*sh + u*dh, ox*sw + v*dw, ch]. */
void tessera_im2col_pool_t_f32(const float *RESTRICT x, float *RESTRICT cols, ptrdiff_t n,
                               ptrdiff_t hp, ptrdiff_t wp, ptrdiff_t c, ptrdiff_t kh,
                               ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t dh,
                               ptrdiff_t dw, ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t PH,
                               ptrdiff_t PW, ptrdiff_t n0, ptrdiff_t n1)
{
    ptrdiff_t rows = ph * pw * n * PH * PW, step = pw * sw * c;
    for (ptrdiff_t q = 0; q < kh * kw * c; q++) {
        ptrdiff_t u = q / (kw * c), v = q / c % kw, ch = q % c;
        for (ptrdiff_t mem = 0; mem < ph * pw; mem++)
            for (ptrdiff_t nn = n0; nn < n1; nn++)
                for (ptrdiff_t i = 0; i < PH; i++) {
                    ptrdiff_t l = (mem * n + nn) * PH + i, oy = i * ph + mem / pw;
                    const float *src = x + ((nn * hp + oy * sh + u * dh) * wp
                                            + (mem % pw) * sw + v * dw) * c + ch;
                    float *RESTRICT dst = cols + q * rows + l * PW;
                    for (ptrdiff_t j = 0; j < PW; j++)
                        dst[j] = src[j * step];
                }
    }
}

/* Pooling of the conv output z (p, m, C) (p members, m windows) for windows
 * [r0, r1): y = relu(max_j z[j] (+ bias)), as the NumPy path's
 * `np.maximum(prev, z[j])` chain (NaN wins; on equal values z[j]'s bits), `y += b`,
 * `np.maximum(y, 0)`. When `arg` is not NULL it gets the member the backward routes to:
 * the last j with z[j] > the running maximum of the earlier members (ties keep the
 * earlier member, as `np.greater` does). */
void tessera_pool_fwd_f32(const float *RESTRICT z, float *RESTRICT y, unsigned char *RESTRICT arg,
                          const float *RESTRICT bias, ptrdiff_t p, ptrdiff_t m, ptrdiff_t c,
                          ptrdiff_t r0, ptrdiff_t r1)
{
    for (ptrdiff_t r = r0; r < r1; r++) {
        float *RESTRICT yr = y + r * c;
        memcpy(yr, z + r * c, (size_t)c * sizeof(float));
        if (arg != NULL) {
            unsigned char *RESTRICT ar = arg + r * c;
            memset(ar, 0, (size_t)c);
            for (ptrdiff_t j = 1; j < p; j++) {
                const float *RESTRICT zj = z + (j * m + r) * c;
                for (ptrdiff_t k = 0; k < c; k++) {
                    float cur = yr[k], v = zj[k];
                    ar[k] = v > cur ? (unsigned char)j : ar[k];
                    yr[k] = (cur > v || cur != cur) ? cur : v;
                }
            }
        } else {
            for (ptrdiff_t j = 1; j < p; j++) {
                const float *RESTRICT zj = z + (j * m + r) * c;
                for (ptrdiff_t k = 0; k < c; k++) {
                    float cur = yr[k], v = zj[k];
                    yr[k] = (cur > v || cur != cur) ? cur : v;
                }
            }
        }
        if (bias != NULL)
            for (ptrdiff_t k = 0; k < c; k++)
                yr[k] = yr[k] + bias[k];
        for (ptrdiff_t k = 0; k < c; k++) {
            float v = yr[k];
            yr[k] = (v > 0.0f || v != v) ? v : 0.0f;
        }
    }
}

/* The backward of the pooling for windows [r0, r1): the pooled gradient g (m, C) masked
 * by the ReLU (`g * (y > 0)`), sent to member arg[r] of dz (p, m, C), zeros (of the NumPy
 * path's signs) to the others, with the NumPy path's float operations: rem = masked g;
 * for j = p-1..1: dz[j] = rem * (j is the winner); rem -= dz[j]; dz[0] = rem.
 * db (C doubles, NULL for none) accumulates the masked gradient's column sums. */
void tessera_pool_route_f32(const float *RESTRICT g, const float *RESTRICT y,
                            const unsigned char *RESTRICT arg, float *RESTRICT dz,
                            double *RESTRICT db, ptrdiff_t p, ptrdiff_t m, ptrdiff_t c,
                            ptrdiff_t r0, ptrdiff_t r1)
{
    for (ptrdiff_t r = r0; r < r1; r++) {
        const float *RESTRICT gr = g + r * c, *RESTRICT yr = y + r * c;
        const unsigned char *RESTRICT ar = arg + r * c;
        float *RESTRICT d0 = dz + r * c;
        for (ptrdiff_t k = 0; k < c; k++)
            d0[k] = gr[k] * (yr[k] > 0.0f ? 1.0f : 0.0f);
        if (db != NULL)
            for (ptrdiff_t k = 0; k < c; k++)
                db[k] += (double)d0[k];
        for (ptrdiff_t j = p - 1; j > 0; j--) {
            float *RESTRICT dj = dz + (j * m + r) * c;
            for (ptrdiff_t k = 0; k < c; k++) {
                float d = d0[k] * (ar[k] == j ? 1.0f : 0.0f);
                dj[k] = d;
                d0[k] = d0[k] - d;
            }
        }
    }
}

/* The input gradient (col2im) for input rows [l0, l1) of dx (N, H, W, C) (row = n*H + y):
 * from the patch gradients gc (P*M, kh*kw*C) in the im2col row order above,
 * dx[n, y, x] = sum over kernel offsets (u, v) in row-major order of the patch gradient
 * of the conv output reading padded position (y + pt, x + pl) with that offset, summed
 * from 0.0f in that order (as the NumPy path's slice-adds into zeros); conv outputs the
 * pool dropped (oy >= ph*PH or ox >= pw*PW) contribute nothing. `work` is scratch space
 * for W*kw + kh indices. */
static ptrdiff_t conv_out_index(ptrdiff_t t, ptrdiff_t s, ptrdiff_t o)
{   /* the conv output that reads padded position t with stride s (of o outputs), or -1 */
    return (t < 0 || t % s != 0 || t / s >= o) ? -1 : t / s;
}

void tessera_col2im_pool_f32(const float *RESTRICT gc, float *RESTRICT dx, ptrdiff_t *work,
                             ptrdiff_t n, ptrdiff_t h, ptrdiff_t w, ptrdiff_t c, ptrdiff_t kh,
                             ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t dh,
                             ptrdiff_t dw, ptrdiff_t pt, ptrdiff_t pl, ptrdiff_t ph,
                             ptrdiff_t pw, ptrdiff_t PH, ptrdiff_t PW, ptrdiff_t l0, ptrdiff_t l1)
{
    ptrdiff_t k = kh * kw * c, img = PH * PW * k;
    /* xt[x*kw + v], yt[u]: the column and row parts of the source's offset in gc, or -1 */
    ptrdiff_t *xt = work, *yt = work + w * kw;
    for (ptrdiff_t xx = 0; xx < w; xx++)
        for (ptrdiff_t v = 0; v < kw; v++) {
            ptrdiff_t ox = conv_out_index(xx + pl - v * dw, sw, pw * PW);
            xt[xx * kw + v] = ox < 0 ? -1 : (ox % pw) * n * img + (ox / pw) * k + v * c;
        }
    for (ptrdiff_t l = l0; l < l1; l++) {
        ptrdiff_t nn = l / h, yp = l % h + pt;
        for (ptrdiff_t u = 0; u < kh; u++) {
            ptrdiff_t oy = conv_out_index(yp - u * dh, sh, ph * PH);
            yt[u] = oy < 0 ? -1 : ((oy % ph) * pw * n + nn) * img + (oy / ph) * PW * k
                                  + u * kw * c;
        }
        for (ptrdiff_t xx = 0; xx < w; xx++) {
            float *RESTRICT out = dx + (l * w + xx) * c;
            for (ptrdiff_t ch = 0; ch < c; ch++)
                out[ch] = 0.0f;
            for (ptrdiff_t u = 0; u < kh; u++) {
                if (yt[u] < 0)
                    continue;
                for (ptrdiff_t v = 0; v < kw; v++) {
                    ptrdiff_t xo = xt[xx * kw + v];
                    if (xo < 0)
                        continue;
                    const float *RESTRICT src = gc + yt[u] + xo;
                    for (ptrdiff_t ch = 0; ch < c; ch++)
                        out[ch] = out[ch] + src[ch];
                }
            }
        }
    }
}
