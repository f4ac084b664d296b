#!/usr/bin/env python3
"""Captum parity and speed table for salient's explainers (tools/parity/README.md).

    /usr/bin/python3 tools/parity/captum_parity.py [--models digits-cnn,hmm-gru,...] [--methods saliency,...]

For every (model, method): the same random model (exported with tools/export_torch.py), inputs and
parameters through Captum and through `salient explain`; prints max over samples of Σ|ours − captum|
(deterministic methods pass at 1e-4) or a test of the means over K seeded runs (sampled methods,
paritylib/compare.py), then one-thread CPU seconds per call of Captum and of ours (BM_Explain of
build/release/benchmarks/salient_bench on the same model file and input) and their ratio, for the
models the benchmark has (digits-cnn, hmm-gru). Needs the release build.
"""

import os

# One thread for PyTorch, before torch (and Debian's OpenBLAS under it) is imported.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from paritylib import compare, methods, models, ours as ours_lib, timing  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TIMED_MODELS = ("digits-cnn", "hmm-gru")  # the models BM_Explain has
BASELINE_ROWS = 10


def short(error):
    text = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
    return (type(error).__name__ + ": " + text)[:110]


def captum_once(model, case, x, ctx, seed):
    torch.manual_seed(seed)
    target = model.captum_model(x).argmax(dim=1).tolist()
    return case.captum(model, x, target, ctx).detach().numpy()


def parity_row(model, case, x, x_file, ctx, runner, seeds):
    if not case.sampled:
        try:
            theirs = captum_once(model, case, x, ctx, 0)
        except Exception as e:  # Captum refuses (LRP on a GRU, grad-cam without a conv layer)
            return {"captum_error": short(e)}
        ours = runner.explain(model, case, x_file)
        return compare.deterministic(ours, theirs)
    try:
        theirs = [captum_once(model, case, x, ctx, 1000 + s) for s in range(seeds)]
    except Exception as e:
        return {"captum_error": short(e)}
    ours = [runner.explain(model, case, x_file, seed=s) for s in range(seeds)]
    with torch.no_grad():
        output_scale = float(model.captum_model(x).max(dim=1).values.abs().max())
    return compare.sampled(ours, theirs, output_scale)


def timing_rows(model, cases, x, ctx, runner, rounds, min_time):
    """Median over interleaved rounds (our benchmark run, then Captum) of CPU seconds per call."""
    ours_t, captum_t = {}, {}
    for _ in range(rounds):
        for method, t in runner.bench_times(model.name, min_time).items():
            ours_t.setdefault(method, []).append(t)
        for case in cases:
            if case.label != case.method and case.method != "lrp-alpha-beta":
                continue  # IG's riemann row costs what the default row costs; not timed twice
            xs = x[:2] if case.method == "feature-permutation" else x[:1]
            target = model.captum_model(xs).argmax(dim=1).tolist()
            try:
                t = timing.captum_seconds(lambda: case.captum(model, xs, target, ctx))
            except Exception:
                continue
            captum_t.setdefault(case.label, []).append(t)
    return ({m: statistics.median(v) for m, v in ours_t.items()},
            {m: statistics.median(v) for m, v in captum_t.items()})


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="digits-cnn,digits-cnn-trained,small-cnn,mlp,hmm-gru")
    p.add_argument("--methods", default="", help="comma list of row labels (default: all)")
    p.add_argument("--samples", type=int, default=4, help="parity batch (hmm-gru: half + 1, at least 3)")
    p.add_argument("--seeds", type=int, default=30,
                   help="runs per side for sampled methods (the test's bounds assume at least 30)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved timing rounds (median)")
    p.add_argument("--bench-min-time", default="0.2", help="--benchmark_min_time of each round")
    p.add_argument("--no-timing", action="store_true")
    p.add_argument("--no-parity", action="store_true")
    p.add_argument("--workdir", default=os.path.join(REPO, "build", "parity"))
    p.add_argument("--seed", type=int, default=0, help="seed of the random models and inputs")
    p.add_argument("--zero-bias", action="store_true",
                   help="zero every linear/conv bias (isolates bias conventions, e.g. LRP γ and αβ)")
    args = p.parse_args()

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    if args.seeds < 30:
        print(f"# warning: --seeds {args.seeds} < 30: the sampled rows' bounds assume 30 runs (t tails)")
    cases = methods.select([m for m in args.methods.split(",") if m])
    runner = ours_lib.Ours(REPO, args.workdir)
    print(f"# torch {torch.__version__}, threads {torch.get_num_threads()}; samples {args.samples}, "
          f"seeds {args.seeds}, timing rounds {args.rounds}")
    print(f"{'model':<18} {'method':<40} {'kind':<5} {'max Σ|Δ|':>9} {'Σ|captum|':>9} {'max|z|':>6} {'z²':>5} {'var':>5} {'pass':<4} "
          f"{'captum s':>9} {'ours s':>9} {'ratio':>7}")
    failures = 0
    for name in [m for m in args.models.split(",") if m]:
        model = models.build(name, args.seed, REPO)
        if model is None:
            print(f"{name:<18} (no trained model file: run README's first command)")
            continue
        if args.zero_bias:
            models.zero_linear_biases(model)
        g = torch.Generator().manual_seed(args.seed + 1)
        n = max(3, args.samples // 2 + 1) if model.is_sequence else args.samples  # 3: permutations of 2 are a swap
        x = model.make_inputs(n, g)
        baselines = model.make_inputs(BASELINE_ROWS, g)
        ctx = {"baselines": baselines}
        runner.prepare(model, x[:2], baselines)  # the benchmark's inputs: two samples
        x_file = os.path.join(args.workdir, f"{model.name}_parity_x.npy")
        np.save(x_file, x.numpy().astype(np.float32))
        ours_t, captum_t = ({}, {})
        if not args.no_timing and model.name in TIMED_MODELS:
            ours_t, captum_t = timing_rows(model, cases, x, ctx, runner, args.rounds, args.bench_min_time)
        for case in cases:
            row = {} if args.no_parity else None
            if row is None:
                try:
                    row = parity_row(model, case, x, x_file, ctx, runner, args.seeds)
                except RuntimeError as e:  # ours refused
                    row = {"ours_error": short(e)}
            t_c = captum_t.get(case.label)
            t_o = ours_t.get(case.method) if (case.label == case.method or case.method == "lrp-alpha-beta") else None
            ratio = t_c / t_o if t_c and t_o else None
            kind = "samp" if case.sampled else "det"
            verdict = "-" if "pass" not in row else ("yes" if row["pass"] else "NO")
            failures += verdict == "NO"
            print(f"{model.name:<18} {case.label:<40} {kind:<5} {fmt(row.get('diff'), '9.2e')} "
                  f"{fmt(row.get('scale'), '9.2e')} {fmt(row.get('max_z'), '6.2f')} "
                  f"{fmt(row.get('mean_z2'), '5.2f')} {fmt(row.get('spread'), '5.2f')} {verdict:<4} "
                  f"{fmt(t_c, '9.2e')} {fmt(t_o, '9.2e')} {fmt(ratio, '7.1f')}"
                  + (f"  captum: {row['captum_error']}" if "captum_error" in row else "")
                  + (f"  ours: {row['ours_error']}" if "ours_error" in row else ""), flush=True)
        if not args.no_timing and model.name in TIMED_MODELS:
            # Ours alone: methods no row compares, and rows whose Captum call failed on this model.
            compared = {c.method for c in methods.CASES}
            refused = {c.method for c in cases if c.label not in captum_t} - {c.method for c in cases
                                                                                if c.label in captum_t}
            alone = sorted(m for m in ours_t if m not in compared or m in refused)
            for method in alone:
                print(f"{model.name:<18} {method + ' (ours alone)':<40} {'':<5} {'':>9} {'':>9} {'':>6} {'':>5} {'':>5} {'':<4} "
                      f"{'-':>9} {ours_t[method]:9.2e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
