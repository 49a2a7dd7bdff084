#!/usr/bin/env python3
"""torch.distributed all_reduce (gloo backend, CPU) on float32 vectors, the peer of
bench/distributed_allreduce_bench's all-reduce cases: same lengths, same rank counts, same
protocol (a barrier, one call, the slowest rank's time; median over repetitions).

Ranks are processes started by torch.multiprocessing.spawn over a TCP rendezvous on
127.0.0.1. Appends CSV rows "allreduce,torch_gloo,P,n,reps,median_s,min_s,,,,,ring_bytes" to --csv.

  python3 bench/torch_allreduce.py --ranks 2 --lengths 1000 10000 --csv /tmp/x.csv
"""
import argparse
import os
import socket
import statistics
import time


def free_port():
  with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1]


def worker(rank, ranks, port, args, queue):
  import torch
  import torch.distributed as dist
  torch.set_num_threads(1)  # ranks share the cores, as descent's do (OMP_NUM_THREADS=1)
  dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=ranks)
  rows = []
  for n in args.lengths:
    # Small integers, as in the C++ program: the sum is exact, so it can be checked.
    data = ((torch.arange(n, dtype=torch.int64) + rank * 31) % 17).to(torch.float32)
    expected = sum(((torch.arange(n, dtype=torch.int64) + r * 31) % 17) for r in range(ranks)).to(torch.float32)
    buffer = data.clone()
    dist.all_reduce(buffer)
    if not torch.equal(buffer, expected):
      raise SystemExit(f"torch_allreduce: rank {rank}: wrong sum at n = {n}")

    def timed():
      buffer.copy_(data)  # outside the clock: all_reduce works in place
      dist.barrier()
      start = time.perf_counter()
      dist.all_reduce(buffer)
      seconds = torch.tensor([time.perf_counter() - start], dtype=torch.float64)
      dist.all_reduce(seconds, op=dist.ReduceOp.MAX)
      return seconds.item()

    first = timed()
    repetitions = min(args.max_repetitions, max(args.min_repetitions, int(args.min_seconds / max(first, 1e-9))))
    count = torch.tensor([repetitions])
    dist.broadcast(count, 0)
    seconds = [timed() for _ in range(int(count.item()))]
    rows.append((n, len(seconds), statistics.median(seconds), min(seconds)))
  dist.destroy_process_group()
  if rank == 0:
    queue.put(rows)


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--ranks", type=int, required=True)
  parser.add_argument("--lengths", type=int, nargs="+", default=[1000, 10000, 100000, 1000000, 10000000])
  parser.add_argument("--min-seconds", type=float, default=0.3)
  parser.add_argument("--min-repetitions", type=int, default=5)
  parser.add_argument("--max-repetitions", type=int, default=200)
  parser.add_argument("--csv", required=True)
  args = parser.parse_args()
  import torch
  import torch.multiprocessing as mp
  context = mp.get_context("spawn")
  queue = context.Queue()
  mp.spawn(worker, args=(args.ranks, free_port(), args, queue), nprocs=args.ranks, join=True)
  rows = queue.get()
  p = args.ranks
  with open(args.csv, "a") as out:
    for n, repetitions, median, least in rows:
      ring = 2 * (p - 1) / p * n * 4
      out.write(f"allreduce,torch_gloo,{p},{n},{repetitions},{median:.9g},{least:.9g},,,,,{ring:.0f}\n")
  print(f"torch {torch.__version__}")


if __name__ == "__main__":
  main()
