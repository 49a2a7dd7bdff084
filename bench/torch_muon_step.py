#!/usr/bin/env python3
"""Time of one torch.optim.Muon step on CPU: the peer of descent's muon_step benchmark
(bench/optimizer_step_bench.cpp, muon_step/mlp_784_256_128_10/<fp32|fp64>).

The parameters are the weight matrices of the Fashion-MNIST MLP 784-256-128-10 in
torch.nn.Linear's (out, in) shapes, with fixed gradients (set once, as descent's benchmark
does), and Muon's defaults but lr = 0.02. torch runs the Newton-Schulz iteration in bfloat16
whatever the parameters' dtype; "ns_dtype" float32/float64 runs torch's own iteration in the
parameters' dtype instead (the module is shown a torch whose bfloat16 is that dtype, as in
tests/fixtures/generate_torch_muon_fixtures.py), the same arithmetic as descent's.
Reports the median over repetitions of the mean time of a batch of steps, wall-clock and the
process's CPU time (all threads; on a shared machine the CPU time is the steadier figure), as
one JSON document.

  torch_muon_step.py --threads 1 2 --repetitions 7
"""
import argparse
import contextlib
import json
import statistics
import time
import types

import torch
import torch.optim._muon as torch_muon

SHAPES = [(256, 784), (128, 256), (10, 128)]


class _DtypeTorch(types.ModuleType):
    def __init__(self, dtype):
        super().__init__("torch")
        self._dtype = dtype

    def __getattr__(self, name):
        return self._dtype if name == "bfloat16" else getattr(torch, name)


@contextlib.contextmanager
def newton_schulz_dtype(dtype):
    original = torch_muon.torch
    if dtype is not None:
        torch_muon.torch = _DtypeTorch(dtype)
    try:
        yield
    finally:
        torch_muon.torch = original


def time_steps(dtype, ns_dtype, repetitions, batch):
    generator = torch.Generator().manual_seed(0)
    params = []
    for rows, cols in SHAPES:
        p = torch.nn.Parameter(torch.full((rows, cols), 0.25, dtype=dtype))
        p.grad = (torch.rand(rows, cols, generator=generator, dtype=dtype) - 0.5)
        params.append(p)
    optimizer = torch.optim.Muon(params, lr=0.02)
    with newton_schulz_dtype(ns_dtype):
        for _ in range(3):
            optimizer.step()
        times, cpu_times = [], []
        for _ in range(repetitions):
            start, cpu_start = time.perf_counter(), time.process_time()
            for _ in range(batch):
                optimizer.step()
            times.append((time.perf_counter() - start) / batch)
            cpu_times.append((time.process_time() - cpu_start) / batch)
    return statistics.median(times), statistics.median(cpu_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--batch", type=int, default=5)
    args = parser.parse_args()
    results = []
    for threads in args.threads:
        torch.set_num_threads(threads)
        for dtype, name in ((torch.float32, "fp32"), (torch.float64, "fp64")):
            for ns_dtype in (None, dtype):
                seconds, cpu_seconds = time_steps(dtype, ns_dtype, args.repetitions, args.batch)
                results.append(dict(threads=threads, dtype=name,
                                    ns_dtype="bfloat16 (torch default)" if ns_dtype is None else str(ns_dtype),
                                    ms_per_step=round(seconds * 1e3, 3), cpu_ms_per_step=round(cpu_seconds * 1e3, 3)))
    print(json.dumps(dict(torch_version=torch.__version__, shapes=SHAPES, results=results), indent=1))


if __name__ == "__main__":
    main()
