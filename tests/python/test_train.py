# descent.train on the built-in models: the update it makes, history, determinism, blocks,
# the GIL released while it runs, Ctrl-C, and the error paths.
import _thread
import threading
import time

import numpy as np
import pytest

import descent


def blobs(rng, n=120, d=4, dtype=np.float64):
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (X[:, 0] - X[:, 1] > 0).astype(dtype)
    return X, y


def test_one_full_batch_sgd_step_is_the_mean_gradient(rng):
    # From w = 0, b = 0 the least-squares residuals are -y, so the mean gradient is
    # (-mean(y_i a_i), -mean(y_i)) and one SGD step gives lr times its negative.
    X = rng.standard_normal((40, 3))
    y = rng.standard_normal(40)
    lr = 0.1
    result = descent.train(descent.LeastSquares(), X, y, optimizer=descent.sgd(lr=lr), epochs=1, batch_size=40)
    expected = lr * np.concatenate([(y[:, None] * X).mean(axis=0), [y.mean()]])
    # Sums of 40 terms: the rounding error is at most 40 eps sum|terms| (eps = 2^-53).
    bound = 40 * 2.0**-53 * lr * np.concatenate([np.abs(y[:, None] * X).mean(axis=0), [np.abs(y).mean()]]) * 2
    assert np.all(np.abs(result.params - expected) <= bound)
    np.testing.assert_array_equal(result.blocks["weight"], result.params[:3])
    assert result.blocks["bias"].shape == ()


def test_sparse_features_give_the_same_step(rng):
    # The same closed form as above, with X as a scipy.sparse CSR matrix (half its entries 0).
    import scipy.sparse

    X = rng.standard_normal((40, 3)) * (rng.random((40, 3)) < 0.5)
    y = rng.standard_normal(40)
    lr = 0.1
    sparse = scipy.sparse.csr_matrix(X)
    result = descent.train("least_squares", sparse, y, optimizer=descent.sgd(lr=lr), epochs=1, batch_size=40)
    expected = lr * np.concatenate([(y[:, None] * X).mean(axis=0), [y.mean()]])
    bound = 40 * 2.0**-53 * lr * np.concatenate([np.abs(y[:, None] * X).mean(axis=0), [np.abs(y).mean()]]) * 2
    assert np.all(np.abs(result.params - expected) <= bound)
    with pytest.raises(TypeError, match=r"^X: dtype int64 is not supported"):
        descent.train("least_squares", scipy.sparse.csr_matrix(np.ones((2, 2), dtype=np.int64)), y[:2])


def test_full_batch_gradient_descent_decreases_the_loss_every_epoch(rng):
    # Least squares is L-smooth with L = largest eigenvalue of [A 1]^T [A 1] / n; gradient
    # descent with step 1/L decreases f at every step (descent lemma). With one full batch per
    # epoch, the train loss of epoch k is f at the start of that epoch.
    X = rng.standard_normal((60, 5))
    y = X @ rng.standard_normal(5) + 0.1 * rng.standard_normal(60)
    A = np.hstack([X, np.ones((60, 1))])
    L = np.linalg.eigvalsh(A.T @ A / 60).max()
    result = descent.train("least_squares", X, y, optimizer=descent.sgd(lr=float(1 / L)), epochs=8, batch_size=60)
    losses = result.history["train_loss"]
    assert len(losses) == 8 and all(b < a for a, b in zip(losses, losses[1:]))
    assert result.history["epoch"] == list(range(1, 9)) and result.history["step"] == list(range(1, 9))
    assert set(result.history) == {"epoch", "step", "train_loss", "test_loss", "test_accuracy", "epoch_seconds",
                                   "elapsed_seconds", "samples_per_second", "data_passes", "objective"}
    assert all(np.isnan(result.history["test_loss"]))  # no validation data


def test_same_seed_same_run_other_seed_other_run(rng):
    X, y = blobs(rng)
    runs = [descent.train(descent.LogisticRegression(), X, y, optimizer="adam(lr=0.05)", epochs=2, batch_size=16,
                          seed=s) for s in (7, 7, 8)]
    np.testing.assert_array_equal(runs[0].params, runs[1].params)
    assert runs[0].history["train_loss"] == runs[1].history["train_loss"]
    assert not np.array_equal(runs[0].params, runs[2].params)


def test_mlp_blocks_validation_and_dtype(rng):
    X, y = blobs(rng, dtype=np.float32)
    result = descent.train(descent.Mlp(hidden=[6], activation="tanh"), X, y.astype(np.int64), epochs=2,
                           batch_size=32, validation=(X[:20], y[:20]))
    assert result.params.dtype == np.float32
    assert {k: v.shape for k, v in result.blocks.items()} == {
        "layer0.weight": (6, 4), "layer0.bias": (6,), "layer1.weight": (2, 6), "layer1.bias": (2,)}
    assert all(np.shares_memory(v, result.params) for v in result.blocks.values())
    accuracy = result.history["test_accuracy"]
    assert len(accuracy) == 2 and all(0 <= a <= 1 for a in accuracy)
    assert result.termination == "max_steps"


def test_initial_params_are_copied_not_modified(rng):
    X, y = blobs(rng)
    start = np.full(5, 0.5)
    result = descent.train("logistic", X, y, optimizer="sgd(lr=0.1)", epochs=1, batch_size=120,
                           initial_params=start)
    np.testing.assert_array_equal(start, np.full(5, 0.5))
    from_zero = descent.train("logistic", X, y, optimizer="sgd(lr=0.1)", epochs=1, batch_size=120)
    assert not np.array_equal(result.params, from_zero.params)


def test_the_gil_is_released_and_ctrl_c_stops_training(rng):
    # A second thread needs the GIL for each of its 20 ticks and then does what Ctrl-C does to
    # the main thread. Were the GIL held while C++ trains, it could not tick until the run had
    # ended, and no KeyboardInterrupt would stop the run.
    X = rng.standard_normal((1000, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.float32)
    ticks = []

    def ticker():
        for _ in range(20):
            time.sleep(0.001)
            ticks.append(time.monotonic())
        _thread.interrupt_main()

    thread = threading.Thread(target=ticker)
    start = time.monotonic()
    thread.start()
    # 100000 epochs of 125 steps: about 20 s in Release, far more than the ticks take even on a
    # machine whose cores are busy (1600 epochs once ended before 20 ticks of 1 ms had passed
    # on a loaded machine). The run is interrupted long before its end.
    with pytest.raises(KeyboardInterrupt):
        descent.train("logistic", X, y, epochs=100000, batch_size=8)
    stopped = time.monotonic()
    thread.join()
    assert len(ticks) == 20
    # The loop looks for signals every 20 ms of its own time: it stops well within a second.
    assert stopped - ticks[-1] < 1.0 and stopped - start < 5


def test_error_paths(rng):
    X, y = blobs(rng, n=10)
    with pytest.raises(TypeError, match=r"^X: dtype int64 is not supported"):
        descent.train("logistic", X.astype(np.int64), y)
    with pytest.raises(TypeError, match=r"^X: expected a numpy.ndarray of float32 or float64, got list"):
        descent.train("logistic", X.tolist(), y)
    with pytest.raises(ValueError, match=r"^X: expected a 2-D array \(samples x features\), got shape \(10,\)"):
        descent.train("logistic", X[:, 0].copy(), y)
    with pytest.raises(ValueError, match=r"^y: expected a 1-D array of 10 labels \(one per row of X\), got shape \(9,\)"):
        descent.train("logistic", X, y[:9])
    with pytest.raises(TypeError, match=r"^y: labels must be real numbers, got dtype str32"):
        descent.train("logistic", X, np.array(["a"] * 10))
    with pytest.raises(descent.MismatchError, match=r"^logistic_regression: label 2 of row 0 of 'X' is not a binary"):
        descent.train("logistic", X, np.full(10, 2.0))
    with pytest.raises(ValueError, match=r"^model: unknown model 'svm' \(known: least_squares, logistic, softmax, mlp\)"):
        descent.train("svm", X, y)
    with pytest.raises(TypeError, match=r"^model: expected descent.LeastSquares"):
        descent.train(3, X, y)
    with pytest.raises(ValueError, match=r"^batch_size: 0 violates batch_size >= 1"):
        descent.train("logistic", X, y, batch_size=0)
    with pytest.raises(TypeError, match=r"^epochs: must be an integer, got float"):
        descent.train("logistic", X, y, epochs=1.5)
    with pytest.raises(ValueError, match=r"^sampling: 'random' is not one of shuffle, replacement, poisson"):
        descent.train("logistic", X, y, sampling="random")
    with pytest.raises(ValueError, match=r"^initial_params: has 3 elements, the model 5 parameters"):
        descent.train("logistic", X, y, initial_params=np.zeros(3))
    with pytest.raises(TypeError, match=r"^initial_params: dtype float32 does not match X's dtype"):
        descent.train("logistic", X, y, initial_params=np.zeros(5, dtype=np.float32))
    with pytest.raises(descent.ConfigError, match=r"^MlpOptions::hidden"):
        descent.train(descent.Mlp(hidden=[0]), X, y)
    with pytest.raises(descent.ConfigError, match=r"unknown activation 'sigmoid'"):
        descent.train(descent.Mlp(activation="sigmoid"), X, y)
    with pytest.raises(ValueError, match=r"^validation: X has 3 features, X 4"):
        descent.train("logistic", X, y, validation=(X[:, :3].copy(), y))


def test_estimators_train_with_variance_reduction_and_count_data_passes(rng):
    # L2 logistic regression (strongly convex): with one constant step, L-SVRG and SAGA go
    # below the noise floor where SGD with the same step stays.
    X, y = blobs(rng)
    n = X.shape[0]
    model = descent.LogisticRegression(l2=0.05)
    runs = {name: descent.train(model, X, y, optimizer="sgd(lr=0.05)", epochs=6, batch_size=1, seed=3,
                                estimator=spec, full_objective=True)
            for name, spec in (("sgd", "minibatch(1)"), ("lsvrg", "lsvrg"), ("saga", "saga"))}
    for name, run in runs.items():
        assert len(run.history["objective"]) == 6 and all(np.isfinite(run.history["objective"])), name
    assert runs["sgd"].history["data_passes"][-1] == 6.0          # one sample per step, n steps an epoch
    assert runs["saga"].history["data_passes"][-1] == 7.0         # plus the table's first pass
    assert 12.0 < runs["lsvrg"].history["data_passes"][-1] < 24.0  # 2 + n p = 3 per step in expectation
    assert runs["lsvrg"].history["objective"][-1] < runs["sgd"].history["objective"][-1]
    assert runs["saga"].history["objective"][-1] < runs["sgd"].history["objective"][-1]
    names = {e["name"] for e in descent.estimators()}
    assert {"full_gradient", "minibatch", "svrg", "lsvrg", "saga"} <= names
    with pytest.raises(descent.ConfigError, match="LooplessSvrgOptions::probability = 2 violates"):
        descent.train(model, X, y, estimator="lsvrg(probability=2)", epochs=1)
    with pytest.raises(descent.ParseError, match="unknown estimator 'svgr'"):
        descent.train(model, X, y, estimator="svgr", epochs=1)
    with pytest.raises(TypeError, match="estimator"):
        descent.train(model, X, y, estimator=3, epochs=1)


def test_average_returns_the_mean_of_the_last_iterates(rng):
    # The average of the iterates is written back: its parameters differ from the last
    # iterate's, and on a noisy problem with a constant step its loss is lower.
    X, y = blobs(rng, n=400)
    model = descent.LogisticRegression(l2=0.01)
    common = dict(optimizer="sgd(lr=0.5)", epochs=8, batch_size=4, seed=2, full_objective=True)
    last = descent.train(model, X, y, **common)
    averaged = descent.train(model, X, y, average="tail(tail_fraction=0.5)", **common)
    assert not np.array_equal(last.params, averaged.params)
    assert averaged.final_loss < last.history["objective"][-1]
    with pytest.raises(descent.ConfigError, match="IterateAveragingOptions::tail_fraction = 2 violates"):
        descent.train(model, X, y, average="tail(tail_fraction=2)", epochs=1)
    with pytest.raises(descent.ParseError, match="unknown averaging 'tial'"):
        descent.train(model, X, y, average="tial", epochs=1)
    with pytest.raises(TypeError, match="average"):
        descent.train(model, X, y, average=0.5, epochs=1)


def test_solve_runs_l_katyusha_to_the_minimum(rng):
    # L2 logistic regression without intercept: lambda-strongly convex, every f_i (|x_i|^2/4 + lambda)-smooth.
    X, y = blobs(rng, n=200)
    lam = 0.1
    model = descent.LogisticRegression(l2=lam, bias=False)
    L = float((X ** 2).sum(axis=1).max() / 4 + lam)
    out = descent.solve(model, X, y, f"lkatyusha(smoothness={L}, strong_convexity={lam})", steps=4000, seed=1)
    reference = descent.train(model, X, y, optimizer=f"sgd(lr={1 / L})", epochs=400, batch_size=200)
    assert out["termination"] == "max_steps" and out["steps"] == 4000
    assert out["final_loss"] <= reference.final_loss + 1e-12  # full-batch GD for 400 steps as the yardstick
    assert out["solver"].startswith("lkatyusha(smoothness=")
    assert out["data_passes"] > 4000 * 2 / 200
    with pytest.raises(descent.ConfigError, match="smoothness = 0 violates"):
        descent.solve(model, X, y, "lkatyusha", steps=10)
    with pytest.raises(descent.ParseError, match="unknown solver 'katyusha'"):
        descent.solve(model, X, y, "katyusha", steps=10)


def test_the_registry_names_every_kind_and_models_by_name_match_their_classes(rng):
    kinds = {e["kind"] for e in descent.registry()}
    assert kinds == {"optimizer", "transform", "schedule", "estimator", "solver", "averaging", "stopping", "model"}
    assert [e["name"] for e in descent.registry("model")] == ["least_squares", "logistic", "mlp", "softmax"]
    assert descent.estimators() == descent.registry("estimator")
    assert all(e["kind"] in ("optimizer", "transform", "schedule") for e in descent.optimizers())
    # descent.Model(kind, **options) is the class with the same options, bit for bit.
    X, y = blobs(rng)
    common = dict(optimizer="adam(lr=0.05)", epochs=2, batch_size=16, seed=4)
    by_class = descent.train(descent.Mlp(hidden=[5], activation="tanh"), X, y.astype(np.int64), **common)
    by_name = descent.train(descent.Model("mlp", hidden=[5], activation="tanh"), X, y.astype(np.int64), **common)
    np.testing.assert_array_equal(by_class.params, by_name.params)
    assert descent.Model("softmax", bias=False) == descent.Model("softmax", bias=False)
    with pytest.raises(TypeError, match=r"^Model: 'logistic' has no option 'hidden' \(options: l2, bias\)"):
        descent.Model("logistic", hidden=[3])
    with pytest.raises(ValueError, match=r"^model: unknown model 'svm'"):
        descent.Model("svm")


def test_callbacks_are_named_by_spec_like_average(rng):
    X, y = blobs(rng, n=200)
    model = descent.LogisticRegression(l2=0.01)
    common = dict(optimizer="sgd(lr=0.5)", epochs=3, batch_size=4, seed=2)
    averaged = descent.train(model, X, y, average="polyak(start_step=20)", **common)
    by_callback = descent.train(model, X, y, callbacks=["polyak(start_step=20)"], **common)
    np.testing.assert_array_equal(averaged.params, by_callback.params)
    with pytest.raises(descent.ParseError, match="'cosine' is a schedule, not a callback"):
        descent.train(model, X, y, callbacks=["cosine"], epochs=1)
    with pytest.raises(TypeError, match="callbacks"):
        descent.train(model, X, y, callbacks="polyak", epochs=1)
