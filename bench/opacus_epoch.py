#!/usr/bin/env python3
"""One epoch of DP-SGD with Opacus against one epoch of ordinary minibatch SGD in PyTorch, on
Fashion-MNIST, the peer that bench/dp_peers compares descent's private training with. Prints
one JSON document on stdout.

The setting matches `descent train --estimator 'dp_sgd(...)'` (bench/dp_peers):
  - data and models: bench/torch_train.py's (descent's "scale" preprocessing; softmax regression
    at zero, or the MLP with He-normal weights), mean cross-entropy;
  - private: Opacus' PrivacyEngine.make_private with Poisson sampling at rate batch / n, flat
    clipping to --clip, noise multiplier --sigma, plain SGD; per-sample gradients either by
    Opacus' hooks (grad_sample_mode="hooks", its default) or by its fast gradient clipping
    ("ghost", Li et al.'s ghost norms), each timed when this Opacus offers it;
  - non-private: shuffled batches of --batch-size, plain SGD, the same model.
Time per epoch (time.perf_counter): from the first batch to after the last optimizer step; the
data loader's sampling is inside it for both. Epochs after the first are timed (the first warms
up Opacus' hooks and the allocator), median over --epochs - 1 of them.

  opacus_epoch.py --model mlp --hidden 256 128 --threads 2 --epochs 3
"""
import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch_train  # noqa: E402  (the same data and models as the training peers)


def timed_epochs(model, optimizer, loader, criterion, epochs):
  """Seconds of each epoch over `loader`: forward, loss, backward, step."""
  seconds = []
  for _ in range(epochs):
    start = time.perf_counter()
    for x, y in loader:
      if len(x) == 0:  # an empty Poisson batch: Opacus still steps (noise only)
        optimizer.zero_grad()
        optimizer.step()
        continue
      optimizer.zero_grad()
      loss = criterion(model(x), y)
      loss.backward()
      optimizer.step()
    seconds.append(time.perf_counter() - start)
  return seconds


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
  parser.add_argument("--model", choices=["softmax", "mlp"], default="mlp")
  parser.add_argument("--hidden", type=int, nargs="*", default=[256, 128])
  parser.add_argument("--batch-size", type=int, default=256)
  parser.add_argument("--lr", type=float, default=0.1)
  parser.add_argument("--clip", type=float, default=1.0)
  parser.add_argument("--sigma", type=float, default=1.0)
  parser.add_argument("--epochs", type=int, default=3)
  parser.add_argument("--threads", type=int, default=2)
  parser.add_argument("--modes", nargs="+", default=["nonprivate", "hooks", "ghost"])
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  torch.set_num_threads(args.threads)
  warnings.filterwarnings("ignore")  # Opacus warns about secure_mode and the RNG; not timed
  from opacus import PrivacyEngine

  train_x, train_y, _, _ = torch_train.load_fashion_mnist(args.data_dir)
  dataset = torch.utils.data.TensorDataset(train_x, train_y)
  n = len(dataset)
  results = {}
  for mode in args.modes:
    torch.manual_seed(args.seed)
    model = torch_train.make_model(args.model, train_x.shape[1], args.hidden, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True)
    criterion = torch.nn.CrossEntropyLoss()
    entry = {}
    if mode != "nonprivate":
      engine = PrivacyEngine()
      try:
        made = engine.make_private(module=model, optimizer=optimizer, data_loader=loader, criterion=criterion,
                                   noise_multiplier=args.sigma, max_grad_norm=args.clip, poisson_sampling=True,
                                   grad_sample_mode=mode)
      except (ValueError, NotImplementedError, TypeError) as error:
        results[mode] = {"skipped": str(error).splitlines()[0]}
        continue
      if len(made) == 4:  # fast gradient clipping returns a wrapped criterion too
        model, optimizer, criterion, loader = made
      else:
        model, optimizer, loader = made
      entry["sampling_rate"] = args.batch_size / n
    seconds = timed_epochs(model, optimizer, loader, criterion, args.epochs)
    entry["epoch_seconds"] = seconds
    entry["median_seconds"] = statistics.median(seconds[1:] if len(seconds) > 1 else seconds)
    results[mode] = entry
  json.dump({"torch_version": torch.__version__, "opacus_version": __import__("opacus").__version__,
             "threads": torch.get_num_threads(), "model": args.model, "hidden": args.hidden,
             "batch_size": args.batch_size, "clip": args.clip, "sigma": args.sigma, "rows": n, "results": results},
            sys.stdout, indent=1)
  print()


if __name__ == "__main__":
  main()
