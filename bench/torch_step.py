#!/usr/bin/env python3
"""Time of one PyTorch optimizer step (CPU, fp32), the peer that bench/peers compares descent with.

For each optimizer (sgd, momentum, adam, adamw), size n and layout (one tensor of n elements, or
ten tensors of n/10 -- the "10 blocks" case, where the foreach and fused kernels amortize their
per-tensor overhead), and each implementation torch offers (for-loop: foreach=False;
foreach=True; fused=True where this torch build has a fused CPU kernel), it times opt.step()
after warm-up steps and reports the median of several repetitions, each repetition being the
mean over a batch of steps. The gradients are set once and never change, as in descent's
optimizer_step benchmark. Prints one JSON document on stdout.

  torch_step.py --threads 2 --sizes 100000 1000000 10000000 --repetitions 5
"""
import argparse
import json
import statistics
import sys
import time

import torch

OPTIMIZERS = {
    # name: (constructor, keyword arguments) chosen to match descent's defaults in the bench.
    "sgd": (torch.optim.SGD, {"lr": 1e-2}),
    "momentum": (torch.optim.SGD, {"lr": 1e-2, "momentum": 0.9}),
    "adam": (torch.optim.Adam, {"lr": 1e-3}),
    "adamw": (torch.optim.AdamW, {"lr": 1e-3, "weight_decay": 1e-2}),
}

IMPLEMENTATIONS = {
    "forloop": {"foreach": False},
    "foreach": {"foreach": True},
    "fused": {"fused": True},
}


def make_params(n, blocks):
    """`blocks` tensors of n/blocks elements with a fixed, mixed-sign gradient of magnitude in [0.5, 1)."""
    generator = torch.Generator().manual_seed(0)
    params = []
    size = n // blocks
    for _ in range(blocks):
        p = torch.nn.Parameter(torch.full((size,), 0.25, dtype=torch.float32))
        magnitude = 0.5 + 0.5 * torch.rand(size, generator=generator, dtype=torch.float32)
        sign = torch.where(torch.rand(size, generator=generator) < 0.5, -1.0, 1.0)
        p.grad = magnitude * sign
        params.append(p)
    return params


def try_make_optimizer(name, implementation, params):
    """The optimizer, or None with a reason when this torch build does not offer the implementation."""
    constructor, kwargs = OPTIMIZERS[name]
    try:
        optimizer = constructor(params, **kwargs, **IMPLEMENTATIONS[implementation])
        optimizer.step()  # fused CPU support is checked at the first step in some versions
        return optimizer, None
    except (RuntimeError, TypeError, ValueError) as error:
        return None, str(error).splitlines()[0]


def time_steps(optimizer, repetitions, min_batch_seconds):
    """Median over repetitions of the mean step time in seconds, after warm-up."""
    # Warm-up: state allocation (exp_avg, ...) happened at the first step; a few more settle caches
    # and thread pools. Then the batch size is chosen so one batch lasts about min_batch_seconds.
    start = time.perf_counter()
    warmup = 0
    while warmup < 3 or time.perf_counter() - start < min_batch_seconds / 2:
        optimizer.step()
        warmup += 1
    per_step = (time.perf_counter() - start) / warmup
    batch = max(1, int(min_batch_seconds / max(per_step, 1e-9)))
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(batch):
            optimizer.step()
        samples.append((time.perf_counter() - start) / batch)
    return statistics.median(samples), batch, samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS), choices=list(OPTIMIZERS))
    parser.add_argument("--blocks", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-batch-seconds", type=float, default=0.05)
    args = parser.parse_args()
    for n in args.sizes:
        for blocks in args.blocks:
            if n <= 0 or blocks <= 0 or n % blocks:
                parser.error(f"--sizes {n} must be a positive multiple of every --blocks value ({blocks})")

    torch.set_num_threads(args.threads)
    results = []
    skipped = {}
    for n in args.sizes:
        for blocks in args.blocks:
            for name in args.optimizers:
                for implementation in IMPLEMENTATIONS:
                    params = make_params(n, blocks)
                    optimizer, reason = try_make_optimizer(name, implementation, params)
                    if optimizer is None:
                        skipped[f"{name}/{implementation}"] = reason
                        continue
                    seconds, batch, samples = time_steps(optimizer, args.repetitions, args.min_batch_seconds)
                    results.append({"optimizer": name, "implementation": implementation, "n": n, "blocks": blocks,
                                    "seconds_per_step": seconds, "steps_per_repetition": batch,
                                    "repetition_seconds_per_step": samples})
                    print(f"torch {name}/{implementation}/n={n}/blocks={blocks}: {seconds * 1e6:.1f} us",
                          file=sys.stderr)
                    del optimizer, params
    json.dump({"torch_version": torch.__version__, "threads": torch.get_num_threads(),
               "cpu_capability": torch.backends.cpu.get_cpu_capability(), "repetitions": args.repetitions,
               "results": results, "skipped": skipped}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
