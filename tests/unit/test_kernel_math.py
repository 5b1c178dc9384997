"""kernel/runtime/math.c, compiled for the host, against Python's math module.

The kernel's flags are mirrored: freestanding, no builtins, and for the i686 configuration the x87
(-m32 -march=i686 -mno-sse). A small hosted harness links the object and maps float bit patterns
read from stdin to result bit patterns on stdout. Each result is compared, in float ulps, with the
double-precision value from `math`, which is far closer to exact than a float ulp.
"""
import math
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
MATH_C = REPO / "kernel/runtime/math.c"
FREESTANDING = ["-O2", "-ffreestanding", "-fno-builtin", "-nostdlibinc", "-std=c11", "-Wall",
                "-Wextra", "-Werror", f"-I{REPO / 'kernel/include'}"]
# The i686 configuration's float code (x87), and an SSE build as other CPU targets compile it.
BUILDS = {
    "x87-i686": ["-m32", "-march=i686", "-mno-sse", "-mno-mmx"],
    "sse2-x86_64": ["-m64"],
}
HARNESS_C = r"""
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bf/math.h>

static float as_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

int main(int argc, char **argv)
{
    uint32_t in[2], out;
    const char *fn = argc > 1 ? argv[1] : "";
    while (fread(in, 4, 2, stdin) == 2) {
        float x = as_float(in[0]), y = as_float(in[1]), r;
        if (!strcmp(fn, "expf")) r = expf(x);
        else if (!strcmp(fn, "logf")) r = logf(x);
        else if (!strcmp(fn, "sqrtf")) r = sqrtf(x);
        else if (!strcmp(fn, "sinf")) r = sinf(x);
        else if (!strcmp(fn, "cosf")) r = cosf(x);
        else if (!strcmp(fn, "fabsf")) r = fabsf(x);
        else if (!strcmp(fn, "powf")) r = powf(x, y);
        else return 2;
        memcpy(&out, &r, 4);
        fwrite(&out, 4, 1, stdout);
    }
    return 0;
}
"""
MAX_ULP = 1.0  # one rounding of a ~1e-14 accurate double: at most 0.5 ulp plus a hair


@pytest.fixture(scope="module", params=sorted(BUILDS))
def harness(request, tmp_path_factory):
    clang = shutil.which("clang")
    if clang is None:
        pytest.skip("no clang on this host")
    arch = BUILDS[request.param]
    work = tmp_path_factory.mktemp(request.param)
    (work / "harness.c").write_text(HARNESS_C)
    obj, exe = work / "math.o", work / "harness"
    compile_math = [clang, *arch, *FREESTANDING, "-c", str(MATH_C), "-o", str(obj)]
    proc = subprocess.run(compile_math, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr  # the kernel's own source must compile
    link = [clang, *arch, "-O2", f"-I{REPO / 'kernel/include'}", str(work / "harness.c"),
            str(obj), "-o", str(exe)]
    proc = subprocess.run(link, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot link a hosted {request.param} program (missing multilib libc?): "
                    f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")

    def run(fn, xs, ys=None):
        xs = np.asarray(xs, dtype=np.float32)
        ys = np.zeros_like(xs) if ys is None else np.asarray(ys, dtype=np.float32)
        data = np.stack([xs, ys], axis=1).astype(np.float32).tobytes()
        out = subprocess.run([str(exe), fn], input=data, capture_output=True, check=True).stdout
        return np.frombuffer(out, dtype=np.float32)

    run.build = request.param
    return run


def ulp_errors(got, exact):
    """|got - exact| in ulps of the float nearest to exact (exact: float64 array)."""
    nearest = exact.astype(np.float32)
    ulp = np.spacing(np.abs(nearest)).astype(np.float64)
    ulp = np.where(ulp == 0, np.float64(np.spacing(np.float32(0))), ulp)
    return np.abs(got.astype(np.float64) - exact) / ulp


def check(harness, fn, xs, ref, ys=None):
    xs = np.asarray(xs, dtype=np.float32)
    ys_arr = None if ys is None else np.asarray(ys, dtype=np.float32)
    got = harness(fn, xs, ys_arr)
    if ys_arr is None:
        exact = np.array([ref(float(x)) for x in xs], dtype=np.float64)
    else:
        exact = np.array([ref(float(x), float(y)) for x, y in zip(xs, ys_arr)], dtype=np.float64)
    errors = ulp_errors(got, exact)
    worst = int(np.argmax(errors))
    where = f"x={xs[worst]!r}" + ("" if ys_arr is None else f", y={ys_arr[worst]!r}")
    assert errors[worst] <= MAX_ULP, (
        f"{fn} ({harness.build}): {errors[worst]:.3f} ulp at {where}: got {got[worst]!r}, "
        f"exact {exact[worst]!r}")
    return float(errors.max())


RNG = np.random.RandomState(20240601)


def spread(low, high, count):
    """Evenly spaced points plus random ones, as float32."""
    return np.concatenate([np.linspace(low, high, count // 2),
                           RNG.uniform(low, high, count - count // 2)]).astype(np.float32)


def test_expf(harness):
    xs = np.concatenate([spread(-103.9, 88.7, 20000), spread(-1, 1, 4000), spread(-1e-6, 1e-6, 200)])
    check(harness, "expf", xs, math.exp)


def test_logf(harness):
    xs = np.concatenate([np.float32(10.0) ** spread(-44, 38.5, 20000), spread(0.5, 2.0, 6000),
                         spread(1 - 1e-4, 1 + 1e-4, 500)])
    check(harness, "logf", xs, math.log)


def test_sqrtf_is_correctly_rounded(harness):
    xs = np.concatenate([np.float32(10.0) ** spread(-44, 38.5, 10000), spread(0, 100, 5000)])
    got = harness("sqrtf", xs)
    assert np.array_equal(got, np.sqrt(xs.astype(np.float64)).astype(np.float32))


@pytest.mark.parametrize("fn,ref", [("sinf", math.sin), ("cosf", math.cos)])
def test_sin_cos(harness, fn, ref):
    # RoPE angles are pos * freq with pos < seq_len; the wider range checks the reduction.
    near_half_pi = (np.arange(-2000, 2000) * (math.pi / 2)).astype(np.float32)
    xs = np.concatenate([spread(-10, 10, 8000), spread(-4096, 4096, 8000),
                         spread(-1e6, 1e6, 4000), spread(-6e7, 6e7, 2000), near_half_pi,
                         spread(-1e-3, 1e-3, 200)])
    check(harness, fn, xs, ref)


def test_powf(harness):
    # As RoPE calls it (10000^(i/head_size)) and a general spread with a finite result.
    rope_y = (np.arange(0, 64, 2) / np.float32(64)).astype(np.float32)
    check(harness, "powf", np.full(rope_y.shape, 10000, np.float32), math.pow, rope_y)
    xs = np.float32(10.0) ** spread(-6, 6, 20000)
    ys = spread(-6, 6, 20000)
    check(harness, "powf", xs, math.pow, ys)
    ints = np.arange(-12, 13, dtype=np.float32)
    check(harness, "powf", np.full(ints.shape, -1.7, np.float32), math.pow, ints)


def bits(values):
    return [struct.unpack("<I", struct.pack("<f", v))[0] for v in values]


def test_special_values(harness):
    inf, nan = float("inf"), float("nan")

    def same(fn, xs, expected, ys=None):
        got = harness(fn, np.array(xs, np.float32), None if ys is None else np.array(ys, np.float32))
        for x, g, e in zip(xs, got, expected):
            if math.isnan(e):
                assert math.isnan(g), f"{fn}({x}) = {g}, expected NaN"
            else:
                assert bits([g]) == bits([e]), f"{fn}({x}) = {g!r}, expected {e!r}"

    same("expf", [0.0, -inf, inf, nan, 100.0, -200.0], [1.0, 0.0, inf, nan, inf, 0.0])
    same("logf", [1.0, 0.0, -0.0, -1.0, inf, nan], [0.0, -inf, -inf, nan, inf, nan])
    same("sqrtf", [0.0, -0.0, inf, 4.0, -1.0], [0.0, -0.0, inf, 2.0, nan])
    same("sinf", [0.0, -0.0, inf, nan], [0.0, -0.0, nan, nan])
    same("cosf", [0.0, inf], [1.0, nan])
    same("fabsf", [-0.0, -3.5, inf, -inf], [0.0, 3.5, inf, inf])
    same("powf", [2.0, 0.0, 0.0, -2.0, -2.0, 1.0, nan, -8.0, inf, 0.5],
         [8.0, 0.0, inf, -8.0, 4.0, 1.0, 1.0, nan, 0.0, inf],
         ys=[3.0, 2.0, -1.0, 3.0, 2.0, nan, 0.0, 1.0 / 3.0, -1.0, -inf])


def test_huge_sin_cos_arguments_stay_bounded(harness):
    xs = np.array([1e8, -3e12, 1e20, 3.0e38, -3.4e38], np.float32)
    for fn in ("sinf", "cosf"):
        got = harness(fn, xs)
        assert np.all(np.abs(got) <= 1.0), (fn, got)
