# descent.sklearn: scikit-learn's own estimator checks (every one that applies must pass),
# and the wrappers' promises: classes_ of any label type, probabilities in classes_ order,
# the same model as descent.train, pipelines and cross-validation.
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

import descent  # noqa: E402
from descent.sklearn import LogisticRegression, MLPClassifier  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


@parametrize_with_checks([LogisticRegression(), MLPClassifier()])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def blobs(rng, n=150, classes=3):
    centers = rng.standard_normal((classes, 4)) * 4
    y = np.arange(n) % classes
    return centers[y] + rng.standard_normal((n, 4)), y


def test_string_labels_come_back_as_strings_and_proba_follows_classes(rng):
    X, y = blobs(rng, classes=2)
    names = np.array(["spam", "ham"])[y]
    clf = LogisticRegression(epochs=30).fit(X, names)
    assert list(clf.classes_) == ["ham", "spam"]  # np.unique's order
    assert set(clf.predict(X)) <= {"ham", "spam"}
    p = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.classes_[p.argmax(axis=1)], clf.predict(X))
    assert clf.score(X, names) > 0.9


def test_the_fitted_model_is_what_descent_train_gives(rng):
    X, y = blobs(rng, classes=3)
    clf = LogisticRegression(optimizer="sgd(lr=0.1)", epochs=5, batch_size=16, random_state=3).fit(X, y)
    direct = descent.train(descent.SoftmaxRegression(num_classes=3), X, y.astype(float), optimizer="sgd(lr=0.1)",
                           epochs=5, batch_size=16, seed=3)
    np.testing.assert_array_equal(clf.model_.params, direct.params)
    np.testing.assert_array_equal(clf.predict(X), direct.predict(X).astype(int))


def test_pipelines_and_cross_validation(rng):
    X, y = blobs(rng, n=240, classes=3)
    scores = cross_val_score(make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(16,), epochs=40)),
                             X, y, cv=3)
    assert scores.min() > 0.8


def test_float32_input_trains_a_float32_model(rng):
    X, y = blobs(rng, classes=2)
    clf = MLPClassifier(hidden_layer_sizes=(8,), epochs=5).fit(X.astype(np.float32), y)
    assert clf.model_.dtype == np.float32
    assert clf.predict_proba(X.astype(np.float32)).shape == (len(X), 2)


def test_a_fitted_classifier_saves_its_model(tmp_path, rng):
    X, y = blobs(rng)
    clf = LogisticRegression(epochs=10).fit(X, y)
    clf.model_.save(tmp_path / "clf.npz")
    np.testing.assert_array_equal(descent.load(tmp_path / "clf.npz").predict(X), clf.model_.predict(X))
