/* Vectorisable float math for Tessera's kernels: no libm calls, so loops using these
 * compile to SIMD code. */
#ifndef TESSERA_VMATH_H
#define TESSERA_VMATH_H
#include <stdint.h>

/* a*b+c, fused where the CPU has FMA (these functions are not bit-identical to NumPy
 * anyway; the kernels are compiled with -ffp-contract=off so nothing else is fused) */
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define TESSERA_FMA(a, b, c) __builtin_fmaf((a), (b), (c))
#else
#define TESSERA_FMA(a, b, c) ((a) * (b) + (c))
#endif

/* exp(x) for float32: range reduction x = n ln2 + r (|r| <= ln2/2, ln2 split in two
 * parts), a degree-6 polynomial for e^r, then 2^n by exponent arithmetic. Max relative
 * error ~2 ulp; x < -87.3365 (exp below FLT_MIN) gives 0 (no subnormals), x > 88.7228 gives +inf, NaN stays NaN. */
static inline float tessera_expf(float x)
{
    float xc = x < -87.33654f ? -87.33654f : (x > 88.7228391f ? 88.7228391f : x);
    /* round to nearest: adding 1.5 * 2^23 pushes the fraction out of the mantissa */
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = TESSERA_FMA(n, -0.693359375f, xc);      /* ln2 high part (exact product) */
    r = TESSERA_FMA(n, 2.12194440e-4f, r);               /* ln2 low part */
    float p = 1.9875691500e-4f;
    p = TESSERA_FMA(p, r, 1.3981999507e-3f);
    p = TESSERA_FMA(p, r, 8.3334519073e-3f);
    p = TESSERA_FMA(p, r, 4.1665795894e-2f);
    p = TESSERA_FMA(p, r, 1.6666665459e-1f);
    p = TESSERA_FMA(p, r, 5.0000001201e-1f);
    p = TESSERA_FMA(p * r, r, r + 1.0f);
    /* 2^n as two factors, each a normal float for n in [-126, 128] */
    int32_t ni = (int32_t)n, h = ni >> 1;
    union { int32_t i; float f; } s1, s2;
    s1.i = (h + 127) << 23;
    s2.i = (ni - h + 127) << 23;
    float y = (p * s1.f) * s2.f;
    y = x < -87.33654f ? 0.0f : y;
    y = x > 88.7228391f ? __builtin_inff() : y;
    return x != x ? x : y;
}

/* tanh(x) in float32: x P(x^2) / Q(x^2), a rational of degree (5, 4) in x^2 fitted for
 * least maximum relative error on [0, 9]; within 5 ULP of the exact value with fused
 * multiply-adds, 7 without (NumPy's: 2), max abs error < 4e-7. |x| >= 9 (where tanh rounds
 * to 1 in float32) gives exactly +-1, +-inf too; NaN stays NaN (the comparisons keep it);
 * -0 stays -0. Branch-free, so gcc vectorises loops that call it (no libm call). */
static inline float tessera_tanhf(float x)
{
    float ax = __builtin_fabsf(x);
    float a = 9.0f < ax ? 9.0f : ax;
    float u = a * a;
    float p = -1.2245426e-11f;
    p = TESSERA_FMA(p, u, 3.0641477e-08f);
    p = TESSERA_FMA(p, u, 2.8030898e-05f);
    p = TESSERA_FMA(p, u, 3.8694884e-03f);
    p = TESSERA_FMA(p, u, 0.13680841f);
    p = TESSERA_FMA(p, u, 1.0f);
    float q = 1.2890054e-06f;
    q = TESSERA_FMA(q, u, 3.9406781e-04f);
    q = TESSERA_FMA(q, u, 2.7250085e-02f);
    q = TESSERA_FMA(q, u, 0.47014174f);
    q = TESSERA_FMA(q, u, 1.0f);
    float t = (a * p) / q;
    t = (1.0f < t || 9.0f <= ax) ? 1.0f : t;
    return __builtin_copysignf(t, x);
}

#endif
