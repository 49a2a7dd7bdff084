#!/usr/bin/env python3
"""Trains softmax regression or an MLP on Fashion-MNIST with PyTorch (CPU, fp32), the peer that
bench/train_peers compares `descent train` with. Prints one JSON document on stdout.

Everything is chosen to match `descent train` (see bench/train_peers for the reasons):
  - data: the four gzipped IDX files; preprocess "scale" is descent's MinMaxScaler, i.e. per
    pixel (x - min_j) / (max_j - min_j) with min/max fitted on the training split (a constant
    column only shifted), computed in float64 and rounded once to float32 -- not x / 255:
    54 Fashion-MNIST pixels never reach 255 in the training set;
  - model: nn.Linear(784, 10) started at zero (descent starts softmax regression at 0), or
    Linear/ReLU layers with weights ~ N(0, 2 / fan_in) (He, output layer included) and zero
    biases, descent's MLP initialization; mean cross-entropy over the minibatch;
  - minibatches: a fresh random permutation per epoch cut into batches of --batch-size, the
    last one shorter (60000 = 468 x 128 + 96: 469 steps), gathered from tensors made once;
  - optimizer: torch.optim.SGD (no momentum) or Adam (betas 0.9, 0.999, eps 1e-8), each
    implementation this build offers (for-loop, foreach, fused), every one on the same seeds.

Timing (time.perf_counter, per epoch, evaluation excluded):
  epoch_seconds       descent's own definition of its metrics field `epoch_seconds`: epoch 1
                      from before the shuffle to after the last step; later epochs from after
                      the first minibatch's backward pass (descent restarts its epoch clock after
                      the epoch's first gradient estimate) to after the last step;
  full_epoch_seconds  from before the shuffle to after the last step, every epoch.
The timed part holds the shuffle, the gathers, forward, loss, backward, optimizer.step(),
zero_grad and loss.item() (for the running training loss, as descent accumulates it).

  torch_train.py --model mlp --hidden 256 128 --optimizer adam --lr 1e-3 --epochs 5 --threads 2 --seed 0
  torch_train.py --model softmax --optimizer sgd --lr 0.1 --implementations foreach fused
"""
import argparse
import gzip
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

FILES = {"train_images": "train-images-idx3-ubyte.gz", "train_labels": "train-labels-idx1-ubyte.gz",
         "test_images": "t10k-images-idx3-ubyte.gz", "test_labels": "t10k-labels-idx1-ubyte.gz"}
IMPLEMENTATIONS = {"forloop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}
EVALUATION_BATCH = 1024  # descent train evaluates the test set in batches of 1024 rows


def read_idx_uint8(path, dimensions):
  """The uint8 payload of a (possibly gzipped) IDX file with the given number of dimensions."""
  try:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
      raw = gzip.decompress(raw)
  except (OSError, EOFError) as error:
    sys.exit(f"torch_train.py: {path}: {error}")
  if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != dimensions:
    sys.exit(f"torch_train.py: {path}: not a {dimensions}-d uint8 IDX file (header {raw[:4].hex(' ')})")
  header = 4 + 4 * dimensions
  shape = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(dimensions)]
  if len(raw) != header + math.prod(shape):
    sys.exit(f"torch_train.py: {path}: the header announces {'x'.join(map(str, shape))} bytes of payload, "
             f"{len(raw) - header} follow")
  return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape[0], -1)


def load_fashion_mnist(directory):
  """(train_x, train_y, test_x, test_y) as float32 / int64 tensors, scaled as descent's "scale" does."""
  paths = {key: Path(directory) / name for key, name in FILES.items()}
  for path in paths.values():
    if not path.is_file():
      sys.exit(f"torch_train.py: Fashion-MNIST file '{path}' is missing: install Debian's dataset-fashion-mnist "
               "or pass --data-dir")
  train_x, test_x = read_idx_uint8(paths["train_images"], 3), read_idx_uint8(paths["test_images"], 3)
  train_y = read_idx_uint8(paths["train_labels"], 1).reshape(-1)
  test_y = read_idx_uint8(paths["test_labels"], 1).reshape(-1)
  if len(train_x) != len(train_y) or len(test_x) != len(test_y):
    sys.exit("torch_train.py: image and label counts differ")
  low, high = train_x.min(axis=0).astype(np.float64), train_x.max(axis=0).astype(np.float64)
  span = np.where(high > low, high - low, 1.0)

  def scale(x):
    # In double, rounded once to float32 on assignment, a block of rows at a time: the whole
    # array in float64 would be 376 MB for the training set, and no faster.
    scaled = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), 4096):
      scaled[start:start + 4096] = (x[start:start + 4096] - low) / span
    return torch.from_numpy(scaled)

  labels = lambda y: torch.from_numpy(y.astype(np.int64))
  return scale(train_x), labels(train_y), scale(test_x), labels(test_y)


def make_model(kind, features, hidden, classes):
  """Softmax regression at zero, or an MLP with He-normal weights and zero biases (torch's global RNG)."""
  if kind == "softmax":
    model = torch.nn.Linear(features, classes)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    return model
  layers, width = [], features
  for size in hidden:
    layers += [torch.nn.Linear(width, size), torch.nn.ReLU()]
    width = size
  layers.append(torch.nn.Linear(width, classes))
  model = torch.nn.Sequential(*layers)
  for layer in model:
    if isinstance(layer, torch.nn.Linear):
      torch.nn.init.normal_(layer.weight, mean=0.0, std=math.sqrt(2.0 / layer.in_features))
      torch.nn.init.zeros_(layer.bias)
  return model


def make_optimizer(name, lr, parameters, implementation):
  """The optimizer, or None with a reason when this torch build does not offer the implementation."""
  constructor = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[name]
  try:
    return constructor(parameters, lr=lr, **IMPLEMENTATIONS[implementation]), None
  except (RuntimeError, TypeError, ValueError) as error:
    return None, str(error).splitlines()[0]


@torch.no_grad()
def evaluate(model, x, y):
  """Mean cross-entropy and accuracy over a dataset, in batches (as descent's held-out evaluation)."""
  model.eval()
  loss_sum, correct = 0.0, 0
  for start in range(0, len(x), EVALUATION_BATCH):
    scores = model(x[start:start + EVALUATION_BATCH])
    labels = y[start:start + EVALUATION_BATCH]
    loss_sum += F.cross_entropy(scores, labels, reduction="sum").item()
    correct += (scores.argmax(dim=1) == labels).sum().item()
  model.train()
  return loss_sum / len(x), correct / len(x)


def train(args, data, implementation, seed):
  """One training run; None with a reason when the implementation is not available."""
  train_x, train_y, test_x, test_y = data
  torch.manual_seed(seed)
  model = make_model(args.model, train_x.shape[1], args.hidden, int(train_y.max()) + 1)
  optimizer, reason = make_optimizer(args.optimizer, args.lr, model.parameters(), implementation)
  if optimizer is None:
    return None, reason
  shuffler = torch.Generator().manual_seed(seed)
  n, batch = len(train_x), args.batch_size
  model.train()
  epochs = []
  for epoch in range(1, args.epochs + 1):
    loss_sum = 0.0
    start = time.perf_counter()
    first_step_gradient_done = None
    order = torch.randperm(n, generator=shuffler)
    for offset in range(0, n, batch):
      rows = order[offset:offset + batch]
      inputs, labels = train_x.index_select(0, rows), train_y.index_select(0, rows)
      loss = F.cross_entropy(model(inputs), labels)
      optimizer.zero_grad(set_to_none=True)
      loss.backward()
      if first_step_gradient_done is None:
        first_step_gradient_done = time.perf_counter()
      optimizer.step()
      loss_sum += loss.item() * len(rows)
    end = time.perf_counter()
    test_loss, test_accuracy = evaluate(model, test_x, test_y)
    seconds = end - (start if epoch == 1 else first_step_gradient_done)
    epochs.append({"epoch": epoch, "train_loss": loss_sum / n, "test_loss": test_loss, "test_accuracy": test_accuracy,
                   "epoch_seconds": seconds, "full_epoch_seconds": end - start, "samples_per_second": n / seconds})
    print(f"torch {args.model}/{args.optimizer}/{implementation} seed {seed} epoch {epoch}: "
          f"{seconds:.3f} s, test accuracy {test_accuracy:.4f}", file=sys.stderr, flush=True)
  return {"implementation": implementation, "seed": seed, "epochs": epochs}, None


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
  parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
  parser.add_argument("--model", choices=["softmax", "mlp"], required=True)
  parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128], help="MLP hidden widths")
  parser.add_argument("--optimizer", choices=["sgd", "adam"], required=True)
  parser.add_argument("--lr", type=float, required=True)
  parser.add_argument("--epochs", type=int, default=5)
  parser.add_argument("--batch-size", type=int, default=128)
  parser.add_argument("--threads", type=int, default=2)
  parser.add_argument("--seed", type=int, default=0, help="seeds the initialization and the shuffles")
  parser.add_argument("--implementations", nargs="+", default=list(IMPLEMENTATIONS), choices=list(IMPLEMENTATIONS))
  args = parser.parse_args()
  if args.epochs < 1 or args.batch_size < 1 or args.threads < 1 or args.lr <= 0 or min(args.hidden) < 1:
    parser.error("--epochs, --batch-size, --threads, --hidden must be >= 1 and --lr > 0")

  torch.set_num_threads(args.threads)
  data = load_fashion_mnist(args.data_dir)
  runs, skipped = [], {}
  for implementation in args.implementations:
    run, reason = train(args, data, implementation, args.seed)
    if run is None:
      skipped[implementation] = reason
    else:
      runs.append(run)
  json.dump({"torch_version": torch.__version__, "threads": torch.get_num_threads(),
             "cpu_capability": torch.backends.cpu.get_cpu_capability(), "model": args.model,
             "hidden": args.hidden if args.model == "mlp" else [], "optimizer": args.optimizer, "lr": args.lr,
             "batch_size": args.batch_size, "epochs": args.epochs, "runs": runs, "skipped": skipped},
            sys.stdout, indent=1)
  print()


if __name__ == "__main__":
  main()
