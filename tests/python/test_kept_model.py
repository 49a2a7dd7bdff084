# The kept model in Python: TrainResult.predict / predict_proba / evaluate against the
# formulas, save -> descent.load -> the same predictions bit for bit, the file read by
# NumPy alone, pickling, the CLI's model files, and the readers' arrays and errors.
import json
import pickle
import subprocess

import numpy as np
import pytest

import descent


def blobs(rng, n=200, d=4, classes=2, dtype=np.float64):
    centers = rng.standard_normal((classes, d)) * 3
    y = np.arange(n) % classes
    X = (centers[y] + rng.standard_normal((n, d))).astype(dtype)
    return X, y.astype(dtype)


@pytest.mark.parametrize("model", [descent.LeastSquares(), descent.LogisticRegression(),
                                   descent.SoftmaxRegression(), descent.Mlp(hidden=[8, 5], activation="tanh")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_predicts_bit_for_bit(tmp_path, rng, model, dtype):
    X, y = blobs(rng, classes=2 if isinstance(model, (descent.LeastSquares, descent.LogisticRegression)) else 3,
                 dtype=dtype)
    result = descent.train(model, X, y, optimizer="adam(lr=0.01)", epochs=3)
    result.save(tmp_path / "m.npz")
    back = descent.load(tmp_path / "m.npz")
    assert back.dtype == dtype
    np.testing.assert_array_equal(back.predict(X), result.predict(X))
    np.testing.assert_array_equal(back.params, result.params)
    for name, block in result.blocks.items():
        np.testing.assert_array_equal(back.blocks[name], block)
    if back.num_classes:
        np.testing.assert_array_equal(back.predict_proba(X), result.predict_proba(X))
    ours, theirs = back.evaluate(X, y), result.evaluate(X, y)
    assert ours["mean_loss"] == theirs["mean_loss"]
    np.testing.assert_array_equal(ours["accuracy"], theirs["accuracy"])  # NaN for least squares


def test_the_model_file_is_plain_numpy(tmp_path, rng):
    X, y = blobs(rng, classes=3)
    result = descent.train(descent.Mlp(hidden=[6]), X, y, epochs=2)
    result.save(tmp_path / "m.npz")
    z = np.load(tmp_path / "m.npz")
    meta = json.loads(z["metadata"].tobytes())
    assert meta["format"] == "descent-model" and meta["version"] == 1
    assert meta["model"]["kind"] == "mlp" and meta["model"]["num_classes"] == 3
    assert [b["name"] for b in meta["blocks"]] == list(result.blocks)
    for name, block in result.blocks.items():
        np.testing.assert_array_equal(z[name], block)
        assert z[name].shape == block.shape
    # The MLP's forward pass from the file alone (ReLU, then softmax's argmax) is its predict.
    h = np.maximum(X @ z["layer0.weight"].T + z["layer0.bias"], 0)
    logits = h @ z["layer1.weight"].T + z["layer1.bias"]
    np.testing.assert_array_equal(np.argmax(logits, axis=1), result.predict(X))


def test_logistic_probabilities_are_the_sigmoid_of_the_score(rng):
    X, y = blobs(rng)
    result = descent.train(descent.LogisticRegression(), X, y, optimizer="sgd(lr=0.1)", epochs=2)
    z = X @ result.blocks["weight"] + result.blocks["bias"]
    p = result.predict_proba(X)
    assert p.shape == (len(X), 2)
    # The score is summed in another order: a few ulps of sum |terms|, through a sigmoid of slope <= 1/4.
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-z)), rtol=0, atol=1e-13)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=0, atol=4e-16)
    np.testing.assert_array_equal(result.predict(X), (z > 0).astype(float))


def test_evaluate_gives_the_confusion_matrix_and_per_class_accuracy(rng):
    X, y = blobs(rng, classes=3)
    result = descent.train(descent.SoftmaxRegression(), X, y, optimizer="adam(lr=0.05)", epochs=3)
    e = result.evaluate(X, y)
    predicted = result.predict(X).astype(int)
    expected = np.zeros((3, 3), dtype=np.int64)
    np.add.at(expected, (y.astype(int), predicted), 1)
    np.testing.assert_array_equal(e["confusion"], expected)
    assert e["accuracy"] == pytest.approx(np.trace(expected) / len(y), rel=1e-15)
    np.testing.assert_allclose(e["class_accuracy"], np.diag(expected) / expected.sum(axis=1), rtol=1e-15)
    assert e["samples"] == len(y)


def test_least_squares_evaluate_reports_rmse(rng):
    X = rng.standard_normal((100, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(100)
    result = descent.train(descent.LeastSquares(), X, y, optimizer="sgd(lr=0.1)", epochs=20)
    e = result.evaluate(X, y)
    assert e["rmse"] == pytest.approx(np.sqrt(np.mean((result.predict(X) - y) ** 2)), rel=1e-12)
    assert e["mean_loss"] == pytest.approx(e["rmse"] ** 2 / 2, rel=1e-12)
    assert np.isnan(e["accuracy"]) and e["confusion"] is None
    with pytest.raises(descent.MismatchError, match="regression model"):
        result.predict_proba(X)


def test_models_pickle(rng):
    X, y = blobs(rng, classes=3, dtype=np.float32)
    model = descent.train(descent.Mlp(hidden=[5]), X, y, epochs=2).model
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))


def test_sparse_features_predict_like_dense(rng):
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X, y = blobs(rng)
    X[X < 0.5] = 0
    result = descent.train(descent.LogisticRegression(), X, y, epochs=2)
    np.testing.assert_allclose(result.predict_proba(scipy_sparse.csr_matrix(X)), result.predict_proba(X),
                               rtol=0, atol=1e-15)


def test_bad_inputs_name_the_argument_and_bad_files_name_the_file(tmp_path, rng):
    X, y = blobs(rng)
    result = descent.train(descent.LogisticRegression(), X, y, epochs=1)
    with pytest.raises(descent.MismatchError, match="X: 3 features, the model takes 4"):
        result.predict(X[:, :3])
    with pytest.raises(ValueError, match="X: expected a 2-D array"):
        result.predict(X[0])
    with pytest.raises(TypeError, match="X: features must be real numbers"):
        result.predict(np.array([["a", "b", "c", "d"]]))
    (tmp_path / "junk.npz").write_bytes(b"PK but not really a zip file")
    with pytest.raises(descent.FormatError, match="junk.npz: not a .npz archive"):
        descent.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))
    with pytest.raises(descent.FormatError, match="foreign.npz: not a descent model file"):
        descent.load(tmp_path / "foreign.npz")
    with pytest.raises(descent.IoError, match="absent.npz"):
        descent.load(tmp_path / "absent.npz")
    result.save(tmp_path / "m.npz")
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(descent.FormatError, match="cut.npz: "):
        descent.load(tmp_path / "cut.npz")


def test_readers_return_arrays_and_the_cli_readers_errors(tmp_path):
    (tmp_path / "d.libsvm").write_text("+1 1:0.5 3:2\n-1 2:1.5\n")
    X, y = descent.read_libsvm(tmp_path / "d.libsvm")
    np.testing.assert_array_equal(X.toarray(), [[0.5, 0, 2], [0, 1.5, 0]])
    np.testing.assert_array_equal(y, [1, -1])
    X, _ = descent.read_libsvm(tmp_path / "d.libsvm", n_features=5, dtype=np.float32)
    assert X.shape == (2, 5) and X.dtype == np.float32
    (tmp_path / "d.csv").write_text("a,label,b\n1,0,2\n3,1,4\n")
    X, y = descent.read_csv(tmp_path / "d.csv", label_column="label")
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(y, [0, 1])
    X = descent.read_csv(tmp_path / "d.csv", header=True, labels=False)
    assert X.shape == (2, 3)
    np.save(tmp_path / "x.npy", np.arange(6.0).reshape(3, 2))
    np.save(tmp_path / "y.npy", np.array([0, 1, 1]))
    X, y = descent.read_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    np.testing.assert_array_equal(X, np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(y, [0, 1, 1])
    assert descent.read_npy(tmp_path / "x.npy").shape == (3, 2)
    (tmp_path / "bad.libsvm").write_text("+1 1:0.5\n-1 x:1\n")
    with pytest.raises(descent.FormatError, match=r"bad.libsvm: line 2: "):
        descent.read_libsvm(tmp_path / "bad.libsvm")
    with pytest.raises(descent.IoError, match="missing.csv"):
        descent.read_csv(tmp_path / "missing.csv")


def test_a_cli_model_loads_in_python_with_its_preprocessing(tmp_path, cli):
    rng = np.random.default_rng(4)
    lines = []
    for i in range(120):
        label = i % 2
        x = rng.standard_normal(3) * 5 + (2 if label else -2)
        lines.append(f"{x[0]},{x[1]},{x[2]},{label}")
    (tmp_path / "train.csv").write_text("\n".join(lines) + "\n")
    subprocess.run([cli, "train", "--train", str(tmp_path / "train.csv"), "--test", str(tmp_path / "train.csv"),
                    "--model", "logistic", "--epochs", "2", "-q", "--out", str(tmp_path / "run")], check=True)
    model = descent.load(tmp_path / "run" / "model.npz")
    assert model.preprocess["kind"] == "scale"  # the CLI's default, fitted on the training file
    assert model.dtype == np.float32 and model.positive_class is None  # labels 0/1 used as they are
    X, y = descent.read_csv(tmp_path / "train.csv", dtype=np.float32)
    e = model.evaluate(X, y)  # raw features: the model scales them itself
    last = (tmp_path / "run" / "metrics.csv").read_text().splitlines()[-1].split(",")
    assert e["mean_loss"] == float(last[3]) and e["accuracy"] == float(last[4])
