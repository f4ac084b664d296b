"""Our side: files for the CLI (model, inputs, baselines, masks), `salient explain` runs, and the
BM_Explain timings of benchmarks/explain_bench.cc on the same model and inputs."""

import json
import os
import subprocess

import numpy as np

from . import methods


class Ours:
    def __init__(self, repo, workdir):
        self.cli = os.path.join(repo, "build", "release", "tools", "salient")
        self.bench = os.path.join(repo, "build", "release", "benchmarks", "salient_bench")
        for path in (self.cli, self.bench):
            if not os.path.exists(path):
                raise FileNotFoundError(f"{path} is missing: cmake --preset release && cmake --build --preset release")
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)

    def _path(self, name):
        return os.path.join(self.workdir, name)

    def prepare(self, model, x, baselines):
        """Writes <model>.safetensors, <model>_x.npy, <model>_baselines.npy and the feature mask."""
        model.export(self._path(f"{model.name}.safetensors"))
        np.save(self._path(f"{model.name}_x.npy"), x.numpy().astype(np.float32))
        np.save(self._path(f"{model.name}_baselines.npy"), baselines.numpy().astype(np.float32))
        mask = methods.feature_mask(model)
        if mask is not None:
            np.save(self._path(f"{model.name}_mask.npy"), mask.astype(np.float32))

    def explain(self, model, case, x_file, seed=0, extra=()):
        """Our attributions for the inputs in x_file (a .npy under workdir), as an array."""
        out = self._path(f"{model.name}_{case.method}_out.npy")
        args = [self.cli, "explain", "--model", self._path(f"{model.name}.safetensors"), "--input", x_file,
                "--method", case.method, "--seed", str(seed), "--out", out,
                "--baselines", self._path(f"{model.name}_baselines.npy")]
        settings = list(case.settings(model)) + list(extra)
        if case.grouped and methods.feature_mask(model) is not None:
            settings.append(f"feature_mask={self._path(model.name + '_mask.npy')}")
        for s in settings:
            args += ["--set", s]
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or f"salient explain exited with {done.returncode}")
        return np.load(out)

    def bench_times(self, model_name, min_time):
        """CPU seconds per call of BM_Explain/<method>/<model_name> for every method (one run of the
        benchmark binary, one thread, on this workdir's model and inputs): {method: seconds}; methods
        that cannot run on the model are absent."""
        pattern = f"^BM_Explain/[^/]+/{model_name}$"
        env = dict(os.environ, SALIENT_EXPLAIN_BENCH_DATA=self.workdir, SALIENT_PEAK_GFLOPS="1")
        done = subprocess.run([self.bench, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                               "--benchmark_format=json"], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip())
        times = {}
        for b in json.loads(done.stdout)["benchmarks"]:
            if b.get("error_occurred"):
                continue
            method = b["name"].split("/")[1]
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
            times[method] = b["cpu_time"] * scale
        return times
