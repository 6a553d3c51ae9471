#!/usr/bin/env python3
"""An independent implementation of the simulator's random streams and samplers, written from
the published algorithms, to cross-check the pinned vectors in src/sim/samplers.rs and
src/sim/rng.rs. Python floats are IEEE doubles; math.exp/log come from the platform libm, so
tables may differ from Rust's libm crate in the last bit: draws are compared to 1e-12.

usage: python3 tests/vectors/samplers_reference.py
"""
import math

M64 = (1 << 64) - 1
M128 = (1 << 128) - 1


def fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


class Pcg64Mcg:
    """PCG XSL RR 128/64, multiplicative variant (O'Neill 2014)."""

    MULT = 0x2360ED051FC65DA44385DF649FCCF645

    def __init__(self, state):
        self.state = state | 1

    def next_u64(self):
        self.state = (self.state * self.MULT) & M128
        rot = self.state >> 122
        xsl = ((self.state >> 64) ^ self.state) & M64
        return ((xsl >> rot) | (xsl << (64 - rot))) & M64 if rot else xsl


def stream(root, name):
    state = root ^ fnv1a(name.encode())
    state, high = splitmix64(state)
    state, low = splitmix64(state)
    return Pcg64Mcg((high << 64) | low)


def unit(rng):
    return (rng.next_u64() >> 11) * 2.0**-53


def below(rng, n):
    while True:
        m = rng.next_u64() * n
        low = m & M64
        if low >= n or low >= ((-n) & M64) % n:
            return m >> 64


LAYERS = 256
EXP_R, EXP_V = 7.69711747013105, 0.003949659822581557
NORMAL_R, NORMAL_V = 3.654152885361009, 0.00492867323399


def table(r, v, f, f_inv):
    x = [0.0] * (LAYERS + 1)
    x[0] = v / f(r)
    x[1] = r
    for i in range(1, LAYERS - 1):
        x[i + 1] = f_inv(v / x[i] + f(x[i]))
    x[LAYERS] = 0.0
    return x, [f(xi) for xi in x]


EXP = table(EXP_R, EXP_V, lambda x: math.exp(-x), lambda y: -math.log(y))
NORMAL = table(NORMAL_R, NORMAL_V, lambda x: math.exp(-0.5 * x * x),
               lambda y: math.sqrt(-2.0 * math.log(y)))


def std_exponential(rng):
    x_t, f_t = EXP
    offset = 0.0
    while True:
        bits = rng.next_u64()
        i = bits & 0xFF
        x = (bits >> 11) * 2.0**-53 * x_t[i]
        if x < x_t[i + 1]:
            return offset + x
        if i == 0:
            offset += EXP_R
            continue
        if f_t[i + 1] + (f_t[i] - f_t[i + 1]) * unit(rng) < math.exp(-x):
            return offset + x


def std_normal(rng):
    x_t, f_t = NORMAL
    while True:
        bits = rng.next_u64()
        i = bits & 0xFF
        sign = -1.0 if bits & 0x100 else 1.0
        x = (bits >> 11) * 2.0**-53 * x_t[i]
        if x < x_t[i + 1]:
            return sign * x
        if i == 0:
            while True:
                a = -math.log(1.0 - unit(rng)) / NORMAL_R
                b = -math.log(1.0 - unit(rng))
                if 2.0 * b > a * a:
                    return sign * (NORMAL_R + a)
        if f_t[i + 1] + (f_t[i] - f_t[i + 1]) * unit(rng) < math.exp(-0.5 * x * x):
            return sign * x


def lognormal_from_quantiles(p50, p99):
    z99 = 2.326347874040841
    mu = math.log(p50)
    return mu, (math.log(p99) - mu) / z99


def poisson(rng, mean):
    if mean < 10.0:
        limit, k, product = math.exp(-mean), 0, unit(rng)
        while product > limit:
            k += 1
            product *= unit(rng)
        return k
    s, lm = math.sqrt(mean), math.log(mean)
    b = 0.931 + 2.53 * s
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = unit(rng) - 0.5
        v = unit(rng)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        lhs = math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
        rhs = -mean + k * lm - math.lgamma(k + 1.0)
        if lhs <= rhs:
            return k


def weighted(rng, weights):
    r = below(rng, sum(weights))
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w


if __name__ == "__main__":
    s = stream(2024, "samplers")
    print("exponential", [repr(std_exponential(s)) for _ in range(4)])
    s = stream(2024, "samplers")
    mu, sigma = lognormal_from_quantiles(0.020, 0.120)
    print("lognormal", [repr(math.exp(mu + sigma * std_normal(s))) for _ in range(4)])
    s = stream(2024, "samplers")
    print("poisson(3)", [poisson(s, 3.0) for _ in range(4)])
    print("poisson(250)", [poisson(s, 250.0) for _ in range(4)])
    print("coins", [unit(s) < 0.5 for _ in range(4)])
    print("picks", [weighted(s, [9000, 1000]) for _ in range(4)])
    s = stream(42, "traffic:0")
    print("traffic:0 seed 42", [s.next_u64() for _ in range(3)])
