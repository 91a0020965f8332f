/* The non-GEMM passes of the fused convnet block `conv2d_relu_max_pool`
 * (tessera/ops/conv_pool.py), one compiled pass each; the GEMMs stay in BLAS. For small
 * patches (K = kh*kw*C <= 32), direct kernels at the end of this file replace im2col, GEMM
 * and pooling (forward) and route + filter-gradient GEMM (backward).
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

/* ------------------------------------------------------------------ direct path, small K
 * For a small patch (K = kh*kw*C <= 32, e.g. a first layer's 3x3x1) im2col + GEMM + pooling
 * is bound by memory (the GEMM output is ph*pw times the pooled output); these kernels
 * read the padded input x (N, Hp, Wp, C) directly, windows r = (n*PH + i)*PW + j. */
#ifdef __FMA__
#define CONV_MADD(a, b, c) __builtin_fmaf(a, b, c)
#else
#define CONV_MADD(a, b, c) ((a) * (b) + (c))
#endif
#define DIRECT_MAX_K 32
#define DIRECT_MAX_P 256
#define DIRECT_DT 4     /* windows per tile */

/* koff[q]: offset in x of patch element q = (u*kw + v)*C + ch from the patch origin;
 * moff[j]: of member j = a*pw + b's patch origin from the window's first member's. */
static void direct_offsets(ptrdiff_t *koff, ptrdiff_t *moff, ptrdiff_t wp, ptrdiff_t c,
                           ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw,
                           ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t ph, ptrdiff_t pw)
{
    for (ptrdiff_t q = 0; q < kh * kw * c; q++)
        koff[q] = ((q / (kw * c)) * dh * wp + (q / c % kw) * dw) * c + q % c;
    for (ptrdiff_t j = 0; j < ph * pw; j++)
        moff[j] = ((j / pw) * sh * wp + (j % pw) * sw) * c;
}

/* Walks the windows r0, r0+1, ...: at each, `base` is the patch origin of its first member
 * in the padded input x (N, Hp, Wp, C) (one division at the start, none per window). */
typedef struct {
    const float *base;
    ptrdiff_t i, j, row, col, img;   /* window (i, j); strides of a window row, column, image */
    ptrdiff_t PH, PW;
} direct_cursor;

static direct_cursor direct_start(const float *x, ptrdiff_t r0, ptrdiff_t hp, ptrdiff_t wp,
                                  ptrdiff_t c, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t ph,
                                  ptrdiff_t pw, ptrdiff_t PH, ptrdiff_t PW)
{
    direct_cursor w;
    w.i = r0 / PW % PH, w.j = r0 % PW, w.PH = PH, w.PW = PW;
    w.row = ph * sh * wp * c, w.col = pw * sw * c, w.img = hp * wp * c;
    w.base = x + (r0 / (PW * PH)) * w.img + w.i * w.row + w.j * w.col;
    return w;
}

static inline void direct_next(direct_cursor *w)
{
    w->base += w->col;
    if (++w->j == w->PW) {
        w->j = 0, w->base += w->row - w->PW * w->col;
        if (++w->i == w->PH)
            w->i = 0, w->base += w->img - w->PH * w->row;
    }
}

/* The body of tessera_conv_pool_direct_f32; `track`: record the winners; `kconst`: K
 * when known at compile time (then the loop over the patch is unrolled and the filters
 * stay in registers), else 0. A tile is DIRECT_DT windows x 32 channels, summed in
 * registers (4 x 32 accumulators: 8 AVX-512 registers). */
static inline __attribute__((always_inline)) void
direct_fwd(const float *RESTRICT x, const float *RESTRICT wpad, const float *RESTRICT bias,
           float *RESTRICT y, unsigned char *RESTRICT arg, ptrdiff_t hp, ptrdiff_t wp,
           ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t dh,
           ptrdiff_t dw, ptrdiff_t ph, ptrdiff_t pw, ptrdiff_t PH, ptrdiff_t PW, ptrdiff_t co,
           ptrdiff_t r0, ptrdiff_t r1, const int track, const ptrdiff_t kconst)
{
    ptrdiff_t k = kconst ? kconst : kh * kw * c, p = ph * pw, cop = (co + 31) / 32 * 32;
    ptrdiff_t koff[DIRECT_MAX_K], moff[DIRECT_MAX_P];
    direct_offsets(koff, moff, wp, c, kh, kw, sh, sw, dh, dw, ph, pw);
    direct_cursor win = direct_start(x, r0, hp, wp, c, sh, sw, ph, pw, PH, PW);
    for (ptrdiff_t r = r0; r < r1; r += DIRECT_DT) {
        ptrdiff_t nt = r1 - r < DIRECT_DT ? r1 - r : DIRECT_DT;
        const float *base[DIRECT_DT];   /* a short last tile repeats its last window */
        for (ptrdiff_t t = 0; t < DIRECT_DT; t++) {
            base[t] = win.base;
            if (t < nt - 1 || (t == nt - 1 && r + nt < r1))
                direct_next(&win);
        }
        for (ptrdiff_t c0 = 0; c0 < co; c0 += 32) {
            /* the running maximum and its member: from -inf, member 0's values (bits,
             * NaN included) and 0 are taken as they are */
            float cur[DIRECT_DT][32];
            int am[DIRECT_DT][32];
            for (int t = 0; t < DIRECT_DT; t++)
                for (int cc = 0; cc < 32; cc++)
                    cur[t][cc] = -__builtin_inff(), am[t][cc] = 0;
            for (ptrdiff_t j = 0; j < p; j++) {
                float acc[DIRECT_DT][32];
                for (int t = 0; t < DIRECT_DT; t++)
                    for (int cc = 0; cc < 32; cc++)
                        acc[t][cc] = 0.0f;
                _Pragma("GCC unroll 16")
                for (ptrdiff_t q = 0; q < k; q++) {
                    const float *RESTRICT wq = wpad + q * cop + c0;
                    ptrdiff_t o = moff[j] + koff[q];
                    for (int t = 0; t < DIRECT_DT; t++) {
                        float xv = base[t][o];
                        for (int cc = 0; cc < 32; cc++)
                            acc[t][cc] = CONV_MADD(xv, wq[cc], acc[t][cc]);
                    }
                }
                for (int t = 0; t < DIRECT_DT; t++)
                    for (int cc = 0; cc < 32; cc++) {
                        float cv = cur[t][cc], v = acc[t][cc];
                        if (track)
                            am[t][cc] = v > cv ? (int)j : am[t][cc];
                        cur[t][cc] = (cv > v || cv != cv) ? cv : v;
                    }
            }
            ptrdiff_t nc = co - c0 < 32 ? co - c0 : 32;
            for (ptrdiff_t t = 0; t < nt; t++) {
                float *RESTRICT yr = y + (r + t) * co + c0;
                for (ptrdiff_t cc = 0; cc < nc; cc++) {
                    float v = bias != NULL ? cur[t][cc] + bias[c0 + cc] : cur[t][cc];
                    yr[cc] = (v > 0.0f || v != v) ? v : 0.0f;
                }
                if (track)
                    for (ptrdiff_t cc = 0; cc < nc; cc++)
                        arg[(r + t) * co + c0 + cc] = (unsigned char)am[t][cc];
            }
        }
    }
}

/* The forward of the fused block for windows [r0, r1), without im2col or GEMM: each
 * member's conv output z[co] = sum over q = 0..K-1 in order of x_patch[q] * wpad[q, co],
 * accumulated from 0.0f with fused multiply-adds where the CPU has them (the order of
 * BLAS's GEMM kernels: with OpenBLAS the values are bit-identical to the GEMM's), then
 * exactly tessera_pool_fwd_f32 on those values: y (M, CO) = relu(max + bias) and, when
 * arg is not NULL, arg (M, CO) = the winning member (ties keep the first; NaN wins).
 * wpad: the filters (K, CO) with columns zero-padded to CO rounded up to 32 (the tiles
 * are 32 channels wide). K <= 32 and ph*pw <= 256. */
void tessera_conv_pool_direct_f32(const float *RESTRICT x, const float *RESTRICT wpad,
                                  const float *RESTRICT bias, float *RESTRICT y,
                                  unsigned char *RESTRICT arg, ptrdiff_t hp, ptrdiff_t wp,
                                  ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh,
                                  ptrdiff_t sw, ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t ph,
                                  ptrdiff_t pw, ptrdiff_t PH, ptrdiff_t PW, ptrdiff_t co,
                                  ptrdiff_t r0, ptrdiff_t r1)
{
#define DIRECT_FWD(track, kconst)                                                          \
    direct_fwd(x, wpad, bias, y, arg, hp, wp, c, kh, kw, sh, sw, dh, dw, ph, pw, PH, PW, co,  \
               r0, r1, track, kconst)
    /* K = 9 (3x3, one channel): the loops unrolled, the filters held in registers */
    if (kh * kw * c == 9)
        arg != NULL ? DIRECT_FWD(1, 9) : DIRECT_FWD(0, 9);
    else
        arg != NULL ? DIRECT_FWD(1, 0) : DIRECT_FWD(0, 0);
}

/* 16 floats or ints (GNU C vector extensions: one AVX-512 register, or two, four SSE/NEON
 * ones): gcc picks narrower vectors for some of this loop's 32-channel arrays, and their
 * re-reads as wider ones stall store forwarding. */
typedef float direct_vf __attribute__((vector_size(64)));
typedef int direct_vi __attribute__((vector_size(64)));
typedef unsigned char direct_vb __attribute__((vector_size(16)));

/* The body of tessera_conv_pool_direct_grad_f32 for the channels [c0, c0 + 32) (`full`)
 * or [c0, CO); `kconst` as in direct_fwd. */
static inline __attribute__((always_inline)) void
direct_grad(const float *RESTRICT g, const float *RESTRICT y,
            const unsigned char *RESTRICT arg, double *RESTRICT dwt, double *RESTRICT db,
            const ptrdiff_t *koff, const ptrdiff_t *moff, direct_cursor win, ptrdiff_t k,
            ptrdiff_t p, ptrdiff_t co, ptrdiff_t c0, ptrdiff_t r0, ptrdiff_t r1,
            const ptrdiff_t kconst, const int full)
{
    ptrdiff_t nc = full ? 32 : co - c0, run = 0;
    k = kconst ? kconst : k;
    const direct_vi one = (direct_vi)((direct_vf){0} + 1.0f);   /* the bits of 1.0f */
    direct_vf acc[DIRECT_MAX_K][2];
    double dbs[32] = {0};
    for (ptrdiff_t r = r0; r < r1; r++, direct_next(&win)) {
        if (run == 0)
            for (ptrdiff_t q = 0; q < k; q++)
                acc[q][0] = acc[q][1] = (direct_vf){0};
        /* the masked gradient d0 = g * (y > 0 ? 1 : 0) and the winners; past CO: zero */
        const float *gr = g + r * co + c0, *yr = y + r * co + c0;
        const unsigned char *ar = arg + r * co + c0;
        float gb[32], yb[32];
        unsigned char ab[32];
        if (!full) {   /* a partial block: through zero-padded copies */
            for (int cc = 0; cc < 32; cc++) {
                gb[cc] = cc < nc ? gr[cc] : 0.0f;
                yb[cc] = cc < nc ? yr[cc] : 0.0f;
                ab[cc] = cc < nc ? ar[cc] : 0;
            }
            gr = gb, yr = yb, ar = ab;
        }
        direct_vf d0[2], gv, yv;
        direct_vi a[2];
        for (int h = 0; h < 2; h++) {
            direct_vb ah;
            memcpy(&gv, gr + 16 * h, sizeof gv);
            memcpy(&yv, yr + 16 * h, sizeof yv);
            memcpy(&ah, ar + 16 * h, sizeof ah);
            a[h] = __builtin_convertvector(ah, direct_vi);
            d0[h] = gv * (direct_vf)((yv > 0.0f) & one);
            float dh[16];
            memcpy(dh, &d0[h], sizeof dh);
            for (int cc = 0; cc < 16; cc++)
                dbs[16 * h + cc] += (double)dh[cc];
        }
        for (ptrdiff_t j = p - 1; j >= 0; j--) {
            direct_vf d[2];   /* member j's dz, as the route kernel computes it */
            for (int h = 0; h < 2; h++) {
                d[h] = j > 0 ? d0[h] * (direct_vf)((a[h] == (int)j) & one) : d0[h];
                d0[h] = j > 0 ? d0[h] - d[h] : d0[h];
            }
            const float *src = win.base + moff[j];
            _Pragma("GCC unroll 16")
            for (ptrdiff_t q = 0; q < k; q++) {
                float xv = src[koff[q]];
                acc[q][0] = acc[q][0] + xv * d[0];
                acc[q][1] = acc[q][1] + xv * d[1];
            }
        }
        if (++run == 64 || r == r1 - 1) {
            run = 0;
            for (ptrdiff_t q = 0; q < k; q++)
                for (ptrdiff_t cc = 0; cc < nc; cc++)
                    dwt[q * co + c0 + cc] += (double)acc[q][cc / 16][cc % 16];
        }
    }
    if (db != NULL)
        for (ptrdiff_t cc = 0; cc < nc; cc++)
            db[c0 + cc] += dbs[cc];
}

/* The filter and bias gradients of the direct path for windows [r0, r1), without the
 * patches or the routed gradient in memory: per window, dz as tessera_pool_route_f32
 * computes it from (g, y, arg) (M, CO), then dw (K, CO) += patch^T dz over the members
 * (the BLAS path's cols^T dz, in another order: in float32 over runs of 64 windows, the
 * runs added in double; NaN and infinities in x reach dw as there) and, when db is not
 * NULL, db (CO) += the masked gradient (in double, as tessera_pool_route_f32). */
void tessera_conv_pool_direct_grad_f32(const float *RESTRICT x, const float *RESTRICT g,
                                       const float *RESTRICT y,
                                       const unsigned char *RESTRICT arg, double *RESTRICT dwt,
                                       double *RESTRICT db, ptrdiff_t hp, ptrdiff_t wp,
                                       ptrdiff_t c, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh,
                                       ptrdiff_t sw, ptrdiff_t dh, ptrdiff_t dw, ptrdiff_t ph,
                                       ptrdiff_t pw, ptrdiff_t PH, ptrdiff_t PW, ptrdiff_t co,
                                       ptrdiff_t r0, ptrdiff_t r1)
{
    ptrdiff_t k = kh * kw * c, p = ph * pw;
    ptrdiff_t koff[DIRECT_MAX_K], moff[DIRECT_MAX_P];
    direct_offsets(koff, moff, wp, c, kh, kw, sh, sw, dh, dw, ph, pw);
    direct_cursor win = direct_start(x, r0, hp, wp, c, sh, sw, ph, pw, PH, PW);
    for (ptrdiff_t c0 = 0; c0 < co; c0 += 32) {
#define DIRECT_GRAD(kconst, full)                                                          \
        direct_grad(g, y, arg, dwt, db, koff, moff, win, k, p, co, c0, r0, r1, kconst, full)
        if (co - c0 < 32)
            DIRECT_GRAD(0, 0);
        else if (k == 9)   /* 3x3, one channel: the accumulators in registers */
            DIRECT_GRAD(9, 1);
        else
            DIRECT_GRAD(0, 1);
    }
}
