# Python results equal the C++ library's bit for bit for the same calls. descent._core._reference
# calls the library directly on buffers it owns (64-byte aligned copies), the way a C++ program
# would; the Python side goes through the zero-copy bindings on NumPy arrays, deliberately
# misaligned too. Training uses the CLI's own model factory and initializer (app/jobs.hpp).
import numpy as np
import pytest

import descent
from descent._core import _reference

SPECS = [
    "sgd(lr=0.1)",
    "nesterov(lr=0.05)",
    "adam(lr=1e-2)",
    "adamw(lr=1e-2, weight_decay=0.1)",
    "amsgrad(lr=1e-2)",
    "rmsprop(lr=1e-3)",
    "adagrad(lr=0.1)",
    "chain(clip_by_global_norm(0.5), adam(lr=warmup(cosine(1e-2, 50), 5)), weight_decay(0.01))",
    "chain(clip_by_value(0.1), sgd(lr=0.1, momentum=0.9))",
]


def misaligned(values, offset):
    """A copy of `values` starting `offset` elements past a 64-byte boundary."""
    buffer = np.zeros(values.size + 64 // values.itemsize + offset, dtype=values.dtype)
    start = (-buffer.ctypes.data % 64) // values.itemsize + offset
    out = buffer[start:start + values.size]
    out[...] = values
    return out


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("offset", [0, 1])
def test_transform_steps_equal_the_library(spec, dtype, offset, rng):
    # 5000 elements: more than one tile, so tiling and reductions take part.
    n = 5000
    params0 = rng.standard_normal(n).astype(dtype)
    grads = [rng.standard_normal(n).astype(dtype) for _ in range(4)]
    opt = descent.parse(spec)

    params = misaligned(params0, offset)
    state = opt.init(params)
    for g in grads:
        opt.apply(misaligned(g, offset), state, params)
    np.testing.assert_array_equal(params, _reference.transform_steps(spec, params0, grads, True))

    params = params0.copy()
    state = opt.init(params)
    for g in grads:
        update = opt.update(g.copy(), state, params)
        params += update
    np.testing.assert_array_equal(params, _reference.transform_steps(spec, params0, grads, False))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model,hidden,labels", [("logistic", [], 2), ("softmax", [], 3), ("mlp", [7, 5], 3)])
def test_training_equals_the_cli_path(model, hidden, labels, dtype, rng):
    X = rng.standard_normal((90, 6)).astype(dtype)
    y = rng.integers(0, labels, 90).astype(dtype)
    spec, epochs, batch, seed = "adam(lr=0.01)", 3, 16, 5
    ref_params, ref_losses = _reference.train_job(model, hidden, "relu", 0.001, 11, X, y, spec, epochs, batch, seed)
    models = {"logistic": descent.LogisticRegression(l2=0.001), "softmax": descent.SoftmaxRegression(l2=0.001),
              "mlp": descent.Mlp(hidden=hidden, l2=0.001)}
    result = descent.train(models[model], X, y, optimizer=spec, epochs=epochs, batch_size=batch, seed=seed,
                           init_seed=11)
    np.testing.assert_array_equal(result.params, ref_params)
    assert result.history["train_loss"] == ref_losses


def test_sparse_training_equals_the_cli_path(rng):
    import scipy.sparse

    X = scipy.sparse.random(80, 30, density=0.2, format="csr", random_state=3, dtype=np.float32)
    y = rng.integers(0, 3, 80).astype(np.float32)
    csr_tuple = (X.data, X.indices, X.indptr, 80, 30)
    ref_params, ref_losses = _reference.train_job("mlp", [8], "tanh", 0.0, 2, csr_tuple, y, "sgd(lr=0.1)", 2, 10, 4)
    result = descent.train(descent.Mlp(hidden=[8], activation="tanh"), X, y, optimizer="sgd(lr=0.1)", epochs=2,
                           batch_size=10, seed=4, init_seed=2)
    np.testing.assert_array_equal(result.params, ref_params)
    assert result.history["train_loss"] == ref_losses
