#!/usr/bin/env python3
"""SGEMM, salient against OpenBLAS, in one run, with thread counts pinned on both sides.

    /usr/bin/python3 tools/bench_vs_blas.py [--bench build/release/benchmarks/salient_bench]
        [--backend numpy|torch] [--repetitions 5] [--threads T] [--python /usr/bin/python3]

salient side: salient_bench's BM_Sgemm/n (n = 64 ... 1024, one thread) and BM_Sgemm_MT/1024
(T threads; SALIENT_THREADS=T), counters GFLOPS and pct_peak (benchmarks/README.md).
BLAS side: the same square float32 C = A·B through NumPy's `a @ b` (or torch.mm) in a child
process started with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = 1 or T (OpenBLAS reads them when it
loads; torch.set_num_threads is set too). The two sides alternate, one repetition each at a time,
so background load on a shared machine hits both alike. Each side reports the median and the best
of its repetitions; the ratios use the medians. The peak that pct_peak divides by is probed once
and passed on (SALIENT_PEAK_GFLOPS).

Debian's NumPy and PyTorch call the system libblas.so.3, which is the *reference* BLAS unless
OpenBLAS is installed: `apt-get install libopenblas0-pthread` registers it with update-alternatives
at a higher priority (`update-alternatives --display libblas.so.3-x86_64-linux-gnu` shows the
choice). The child reports the BLAS it mapped, and the script stops unless that is OpenBLAS
(--allow-any-blas compares with whatever is there). The kernel OpenBLAS picked is printed too
(OPENBLAS_VERBOSE=2, "Core: ...").

Optional tooling: the build and the tests never need Python.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

SIZES = [64, 128, 256, 512, 1024]
MT_SIZE = 1024

# Runs in the child process: times square float32 matmuls, prints one JSON object.
BLAS_CHILD = r"""
import json, sys, time
backend, threads, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sizes = json.loads(sys.argv[4])
if backend == "torch":
    import torch
    torch.set_num_threads(threads)
    def rand(n, seed):
        g = torch.Generator().manual_seed(seed)
        return torch.rand(n, n, dtype=torch.float32, generator=g) * 2 - 1
    mm = torch.mm
else:
    import numpy as np
    def rand(n, seed):
        return np.random.default_rng(seed).random((n, n), dtype=np.float32) * 2 - 1
    mm = lambda a, b: a @ b
results = {}
for n in sizes:
    a, b = rand(n, 1), rand(n, 2)
    mm(a, b)
    calls = 1
    while True:  # calibrate: 2·calls products take about 0.1 s
        t0 = time.perf_counter()
        for _ in range(calls):
            mm(a, b)
        if time.perf_counter() - t0 > 0.05:
            break
        calls *= 2
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(2 * calls):
            mm(a, b)
        rates.append(2.0 * n ** 3 * 2 * calls / (time.perf_counter() - t0) * 1e-9)
    results[str(n)] = rates
maps = open("/proc/self/maps").read().splitlines()
blas = sorted({line.split()[-1] for line in maps if "blas" in line and ".so" in line})
print(json.dumps({"rates": results, "blas": blas}))
"""


def run_salient(bench, threads, peak):
    """One repetition of BM_Sgemm/* and BM_Sgemm_MT/*: {run_name: (GFLOPS, pct_peak)}."""
    env = dict(os.environ, SALIENT_THREADS=str(threads))
    if peak:
        env["SALIENT_PEAK_GFLOPS"] = str(peak)
    cmd = [bench, "--benchmark_filter=^BM_Sgemm(_MT)?/", "--benchmark_format=json"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    runs = {b["run_name"]: (b["GFLOPS"], b.get("pct_peak", float("nan")))
            for b in report["benchmarks"] if b.get("run_type") == "iteration"}
    return report["context"], runs


def run_blas(python, backend, threads, reps, sizes):
    """reps repetitions of each size in a fresh child pinned to `threads` BLAS threads."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               OPENBLAS_VERBOSE="2")
    cmd = [python, "-c", BLAS_CHILD, backend, str(threads), str(reps), json.dumps(sizes)]
    proc = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    core = [line.strip() for line in proc.stderr.splitlines() if line.startswith("Core")]
    return result, core[0] if core else "kernel unknown"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_bench = os.path.join(here, "..", "build", "release", "benchmarks", "salient_bench")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default=default_bench)
    parser.add_argument("--backend", choices=["numpy", "torch"], default="numpy")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with NumPy/PyTorch (Debian's: /usr/bin/python3)")
    parser.add_argument("--allow-any-blas", action="store_true")
    args = parser.parse_args()

    ours, blas_1, blas_t, peak = {}, {}, [], None
    for _ in range(args.repetitions):
        context, runs = run_salient(args.bench, args.threads, peak)
        peak = peak or float(context["peak_per_core"].split()[0])
        for name, value in runs.items():
            ours.setdefault(name, []).append(value)
        one, core = run_blas(args.python, args.backend, 1, 1, SIZES)
        many, _ = run_blas(args.python, args.backend, args.threads, 1, [MT_SIZE])
        for n in SIZES:
            blas_1.setdefault(n, []).extend(one["rates"][str(n)])
        blas_t.extend(many["rates"][str(MT_SIZE)])
    if not any("openblas" in path for path in one["blas"]) and not args.allow_any_blas:
        sys.exit(f"{args.backend} uses {one['blas']}, not OpenBLAS (see --help)")

    print(f"salient: kernels {context.get('kernels_isa')}, peak {peak:.1f} GFLOP/s per core "
          f"(peak_probe), {context['num_cpus']} CPUs, {args.repetitions} repetitions")
    print(f"BLAS:    {args.backend} -> {', '.join(one['blas'])} ({core})")
    print(f"{'run':<18} {'threads':>7} {'salient GFLOP/s':>22} {'pct_peak':>8} "
          f"{'OpenBLAS GFLOP/s':>22} {'ratio':>6}")
    print(f"{'':<18} {'':>7} {'median / best':>22} {'median':>8} {'median / best':>22}")
    rows = [(f"BM_Sgemm/{n}", 1, blas_1[n]) for n in SIZES]
    rows.append((f"BM_Sgemm_MT/{MT_SIZE}", args.threads, blas_t))
    medians = {}
    for name, threads, theirs in rows:
        gflops = [g for g, _ in ours[name]]
        pct = statistics.median(p for _, p in ours[name])
        mine, blas = statistics.median(gflops), statistics.median(theirs)
        medians[name] = (mine, blas)
        print(f"{name:<18} {threads:>7} {mine:>10.1f} / {max(gflops):>9.1f} {pct:>8.1f} "
              f"{blas:>10.1f} / {max(theirs):>9.1f} {mine / blas:>6.2f}")
    st, mt = medians[f"BM_Sgemm/{MT_SIZE}"], medians[f"BM_Sgemm_MT/{MT_SIZE}"]
    print(f"{args.threads} threads / 1 thread at n = {MT_SIZE} (medians): "
          f"salient {mt[0] / st[0]:.2f}x, OpenBLAS {mt[1] / st[1]:.2f}x")


if __name__ == "__main__":
    main()
