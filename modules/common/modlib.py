"""Host side of modules/common/modlib.h: what every module's reference.py shares.

The generator must match the C one bit for bit (bf_rand_seed, bf_rand_next, bf_rand_below), and
the rounding must match bf_round, since each reference recomputes its module's result from the
same stream. `reference_main` is the command line every reference has: `--work N`, then one
JSON line `{"module": ..., "expect": ..., "tolerance": ...}` (read by the module registry's
REFERENCE step, bfbuild_unikernel/rules/module_registry_steps.py).

A reference finds this file through its own path (modules/<name>/../common), and lists it as
`reference_libs: [//modules/common:modlib_py]` in its BUILD.yaml so that editing it re-runs the
references.
"""
import argparse
import json
import math

M32 = 0xFFFFFFFF
M64 = (1 << 64) - 1
FNV_OFFSET = 2166136261  # FNV-1a, 32 bits
FNV_PRIME = 16777619


def rand_seed(base: int, rnd: int) -> int:
    """bf_rand_seed: the seed of round `rnd` of a module whose base seed is `base`; never 0."""
    s = (base ^ (rnd * 0x9E3779B9)) & M32
    return s if s else 0x6A09E667


def rand_next(state: int) -> int:
    """bf_rand_next: one xorshift32 step (shifts 13/17/5); the new state is also the output."""
    state ^= (state << 13) & M32
    state ^= state >> 17
    state ^= (state << 5) & M32
    return state


class Rng:
    """A xorshift32 stream with its state, like the `uint32_t state` a C module passes around."""

    def __init__(self, seed: int):
        self.state = seed

    def next(self) -> int:
        """bf_rand_next(&state)."""
        self.state = rand_next(self.state)
        return self.state

    def below(self, n: int) -> int:
        """bf_rand_below(&state, n): the next output modulo n."""
        return self.next() % n

    def next64(self) -> int:
        """Two outputs as one 64-bit value, the first in the high half."""
        hi = self.next()
        return hi << 32 | self.next()


def round_half_away(v: float) -> int:
    """bf_round / bf_round64: round half away from zero."""
    return int(math.floor(v + 0.5)) if v >= 0 else -int(math.floor(-v + 0.5))


def to_signed32(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


def to_signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def fnv1a32(h: int, value: int) -> int:
    """One FNV-1a step over a 32-bit word (or a byte): (h ^ value) * prime, modulo 2^32."""
    return ((h ^ (value & M32)) * FNV_PRIME) & M32


def reference_main(module: str, expect, tolerance=0, flags=()) -> None:
    """The command line of a reference: parse `--work N` (and the boolean `flags`, pairs of
    option and help text), then print the JSON line of `expect(args)`, the text the module must
    print. `tolerance` is a number, or a function of the work."""
    parser = argparse.ArgumentParser(description=f"The expected result of the {module} module.")
    parser.add_argument("--work", type=int, default=1)
    for option, text in flags:
        parser.add_argument(option, action="store_true", help=text)
    args = parser.parse_args()
    allowed = tolerance(args.work) if callable(tolerance) else tolerance
    print(json.dumps({"module": module, "expect": expect(args), "tolerance": allowed}))
