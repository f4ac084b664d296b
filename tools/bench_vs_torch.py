#!/usr/bin/env python3
"""GRU forward + input gradient, salient against PyTorch CPU, in one run, threads pinned on both sides.

    /usr/bin/python3 tools/bench_vs_torch.py [--bench build/release/benchmarks/salient_bench]
        [--repetitions 5] [--threads 1 2] [--python /usr/bin/python3]

The workload (SPEC §11, benchmarks/model_bench.cc): GRU(3→200, batch_first) over T = 200 steps,
the last step's hidden state into linear(200→2), then the gradient of output class 1 w.r.t. the
input, at batch 1 and 32.
salient side: salient_bench's BM_GruForwardBackward/B1 and /B32 with SALIENT_THREADS = t (the
benchmark runs on the engine's thread count); its time per iteration (wall clock).
PyTorch side: a child process started with OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS
= t (set before torch is imported) that also calls torch.set_num_threads(t) and
set_num_interop_threads(t); per repetition it warms up, then times `calls` passes
(forward, (logits[:, 1]).sum().backward(), x.grad) and reports their median.
The two sides alternate, one repetition each at a time, so background load on a shared machine hits
both alike; the ratios are torch time / salient time of the medians over repetitions (> 1: salient
is faster).

Optional tooling: the build and the tests never need Python.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

STEPS, INPUTS, HIDDEN, CLASSES = 200, 3, 200, 2
BATCHES = [1, 32]

# Runs in the child process: one repetition per batch size, prints one JSON object {batch: ms}.
TORCH_CHILD = r"""
import json, statistics, sys, time
threads, calls, batches = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
steps, inputs, hidden, classes = (int(v) for v in sys.argv[4:8])
import torch
torch.set_num_threads(threads)
try:
    torch.set_num_interop_threads(threads)
except RuntimeError:
    pass
torch.manual_seed(1)
gru = torch.nn.GRU(inputs, hidden, batch_first=True)
fc = torch.nn.Linear(hidden, classes)
for p in list(gru.parameters()) + list(fc.parameters()):
    p.requires_grad_(False)  # the input gradient only, as salient's explain::backprop
def once(x):
    x.grad = None
    out, _ = gru(x)
    logits = fc(out[:, -1])
    logits[:, 1].sum().backward()
    return x.grad
result = {}
for batch in batches:
    x = (torch.rand(batch, steps, inputs) * 2 - 1).requires_grad_(True)
    for _ in range(3):
        once(x)
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        once(x)
        times.append((time.perf_counter() - t0) * 1e3)
    result[str(batch)] = statistics.median(times)
print(json.dumps({"ms": result, "torch": torch.__version__, "threads": torch.get_num_threads(),
                  "config": torch.__config__.parallel_info().splitlines()[:4]}))
"""


def run_salient(bench, threads):
    """One repetition of BM_GruForwardBackward/B1, /B32 on `threads` threads: {batch: ms}."""
    env = dict(os.environ, SALIENT_THREADS=str(threads))
    env.setdefault("SALIENT_PEAK_GFLOPS", "1")  # no peak probe: these runs report no pct_peak
    cmd = [bench, "--benchmark_filter=^BM_GruForwardBackward/", "--benchmark_format=json"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    ms = {}
    for b in report["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        ms[int(b["run_name"].split("/B")[-1])] = b["real_time"] * scale
    return report["context"], ms


def run_torch(python, threads, calls):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    cmd = [python, "-c", TORCH_CHILD, str(threads), str(calls), json.dumps(BATCHES),
           str(STEPS), str(INPUTS), str(HIDDEN), str(CLASSES)]
    proc = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, {int(b): v for b, v in result["ms"].items()}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_bench = os.path.join(here, "..", "build", "release", "benchmarks", "salient_bench")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", default=default_bench)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--calls", type=int, default=20, help="timed PyTorch passes per repetition")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with PyTorch (Debian's: /usr/bin/python3)")
    args = parser.parse_args()

    ours, theirs, info, context = {}, {}, None, None
    for _ in range(args.repetitions):
        for t in args.threads:
            context, ms = run_salient(args.bench, t)
            for b, v in ms.items():
                ours.setdefault((t, b), []).append(v)
            info, ms = run_torch(args.python, t, args.calls)
            for b, v in ms.items():
                theirs.setdefault((t, b), []).append(v)

    print(f"salient: kernels {context.get('kernels_isa')}, {context['num_cpus']} CPUs; "
          f"PyTorch {info['torch']} ({info['config'][-1].strip()}); "
          f"{args.repetitions} interleaved repetitions, medians")
    print(f"GRU({INPUTS}->{HIDDEN}), T = {STEPS}, linear({HIDDEN}->{CLASSES}): forward + "
          f"d(class 1)/d(input)")
    print(f"{'run':<28} {'threads':>7} {'salient ms':>16} {'PyTorch ms':>16} {'ratio':>7}")
    print(f"{'':<28} {'':>7} {'median / best':>16} {'median / best':>16}")
    for t in args.threads:
        for b in BATCHES:
            mine, other = ours[(t, b)], theirs[(t, b)]
            m, o = statistics.median(mine), statistics.median(other)
            print(f"{'BM_GruForwardBackward/B' + str(b):<28} {t:>7} {m:>7.2f} / {min(mine):>6.2f} "
                  f"{o:>7.2f} / {min(other):>6.2f} {o / m:>6.2f}x")


if __name__ == "__main__":
    main()
