"""descent.clip_norm_guide: the per-sample Lipschitz constants of Das et al. (2023) from NumPy
and scipy.sparse features, checked against NumPy's row norms."""
import math

import numpy as np
import pytest
import scipy.sparse

import descent


def _features():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 8)) * (1 + np.arange(50) % 4)[:, None]
    X[5] = 0.0
    return X


@pytest.mark.parametrize("model, factor", [("logistic", 1.0), ("softmax", math.sqrt(2))])
@pytest.mark.parametrize("bias", [True, False])
def test_constants_are_the_row_norms_times_the_loss_bound(model, factor, bias):
    X = _features()
    L = factor * np.sqrt((X**2).sum(axis=1) + (1.0 if bias else 0.0))
    positive = L[L > 0]
    for features in (X, scipy.sparse.csr_matrix(X), X.astype(np.float32)):
        g = descent.clip_norm_guide(features, model, bias=bias, grid=4)
        # float32 features: each value rounded by 2**-24 relative, the norm by as much.
        rtol = 1e-6 if getattr(features, "dtype", None) == np.float32 else 1e-14
        assert g["min_lipschitz"] == pytest.approx(positive.min(), rel=rtol)
        assert g["max_lipschitz"] == pytest.approx(positive.max(), rel=rtol)
        assert g["samples"] == positive.size and g["zero_rows"] == X.shape[0] - positive.size
        assert g["candidates"] == pytest.approx([g["min_lipschitz"] / 2**k for k in (3, 2, 1, 0)], rel=1e-15)


def test_models_without_a_constant_are_refused_by_name():
    with pytest.raises(descent.ConfigError, match="least_squares has no finite per-sample Lipschitz constant"):
        descent.clip_norm_guide(_features(), "least_squares")
    with pytest.raises(descent.ConfigError, match="model 'mlp' has no per-sample Lipschitz constant"):
        descent.clip_norm_guide(_features(), "mlp")
    with pytest.raises(ValueError, match="grid: 0 violates grid >= 1"):
        descent.clip_norm_guide(_features(), grid=0)
