"""scikit-learn estimators trained by descent: drop-in classifiers for pipelines, grid
searches and cross-validation.

    from descent.sklearn import LogisticRegression, MLPClassifier
    clf = LogisticRegression(optimizer="adam(lr=0.05)", epochs=50).fit(X, y)
    clf.predict(X_test), clf.predict_proba(X_test), clf.score(X_test, y_test)

Labels may be any values np.unique sorts (strings too); classes_ lists them. Binary
problems train descent's logistic regression, more classes its softmax regression
(LogisticRegression) or the MLP (MLPClassifier). X is float32 (kept: the model trains in
float32) or anything else real (converted to float64); scipy.sparse input stays sparse.
The fitted descent.TrainedModel is model_; its .save(path) writes the .npz model file.

Both pass every check of sklearn.utils.estimator_checks.check_estimator that applies
(tests/python/test_sklearn.py runs them all; scikit-learn 1.9). Not run: the sample-weight
checks (fit takes no sample_weight: descent's models weight every row alike), the array-API
check (it needs SCIPY_ARRAY_API=1; inputs are converted to NumPy anyway) and, without
pandas, the DataFrame check.
"""

from __future__ import annotations

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("descent.sklearn needs scikit-learn: pip install scikit-learn") from e

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)

from . import LogisticRegression as _Logistic
from . import Mlp as _Mlp
from . import SoftmaxRegression as _Softmax
from . import train as _train

__all__ = ["LogisticRegression", "MLPClassifier"]


class _DescentClassifier(ClassifierMixin, BaseEstimator):
    """The shared fit / predict / predict_proba of the classifiers (subclasses name the model)."""

    def _model(self, n_classes: int):  # pragma: no cover - abstract
        raise NotImplementedError

    # float32 stays float32 (a float32 run); anything else real becomes float64.
    _ACCEPT = dict(accept_sparse="csr", dtype=[np.float64, np.float32])

    def _validate(self, X):
        return _validate_data(self, X, reset=False, **self._ACCEPT)

    def fit(self, X, y):
        """Trains on (X, y) from the model's starting point (zeros, or the MLP's seeded init)."""
        X, y = _validate_data(self, X, y, **self._ACCEPT)  # y=None is refused with sklearn's message
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes in the data; "
                             f"got 1 class ({self.classes_[0]!r})")
        model = self._model(len(self.classes_))
        result = _train(model, X, encoded.astype(X.dtype), optimizer=self.optimizer, epochs=self.epochs,
                        batch_size=min(self.batch_size, X.shape[0]), seed=self.random_state,
                        **self._train_options())
        if result.model is None:
            raise ValueError(f"{type(self).__name__}: training diverged ({result.message}); lower the "
                             f"learning rate of optimizer={self.optimizer!r}")
        self.model_ = result.model
        self.history_ = result.history
        self.n_iter_ = len(result.history["epoch"])
        return self

    def _train_options(self) -> dict:
        return {}

    def predict_proba(self, X) -> np.ndarray:
        """(n, len(classes_)) class probabilities, columns in the order of classes_."""
        check_is_fitted(self)
        X = self._validate(X)
        return self.model_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row, as a value of classes_."""
        check_is_fitted(self)
        X = self._validate(X)
        index = self.model_.predict(X)
        if len(self.classes_) == 2:
            index = index == 1  # logistic regression predicts 1 or its negative label 0
        return self.classes_[index.astype(np.intp)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LogisticRegression(_DescentClassifier):
    """Logistic regression (two classes) or softmax regression (more) trained by a descent optimizer.

    l2            the penalty l2/2 |w|^2 on the weights (never the intercept)
    fit_intercept fit a bias
    optimizer     any optimizer spec or descent.Transform ("adam(lr=0.05)", "sgd(lr=0.5, momentum=0.9)")
    epochs, batch_size, random_state   the loop: passes over the data, rows per step, the sampling seed
    estimator     a gradient-estimator spec ("svrg", "saga", ...), or None for minibatches
    """

    def __init__(self, l2: float = 0.0, fit_intercept: bool = True, optimizer="adam(lr=0.05)", epochs: int = 100,
                 batch_size: int = 32, random_state: int = 0, estimator: str | None = None):
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.optimizer = optimizer
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.estimator = estimator

    def _model(self, n_classes: int):
        if n_classes == 2:
            return _Logistic(l2=self.l2, bias=self.fit_intercept)
        return _Softmax(num_classes=n_classes, l2=self.l2, bias=self.fit_intercept)

    def _train_options(self) -> dict:
        return {"estimator": self.estimator}


class MLPClassifier(_DescentClassifier):
    """A multilayer perceptron with a softmax output trained by a descent optimizer.

    hidden_layer_sizes   widths of the hidden layers
    activation           "relu", "tanh" or "gelu"
    l2                   the penalty l2/2 sum |W|^2 on the weight matrices
    optimizer, epochs, batch_size, random_state   as for LogisticRegression; random_state
                         seeds both the initialization and the sampling
    """

    def __init__(self, hidden_layer_sizes=(64,), activation: str = "relu", l2: float = 0.0,
                 optimizer="adam(lr=0.01)", epochs: int = 100, batch_size: int = 32, random_state: int = 0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.l2 = l2
        self.optimizer = optimizer
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _model(self, n_classes: int):
        return _Mlp(hidden=list(self.hidden_layer_sizes), activation=self.activation, num_classes=n_classes,
                    l2=self.l2)

    def _train_options(self) -> dict:
        return {"init_seed": self.random_state}
