# pytest configuration for the Python module's tests. They import `descent` from wherever it
# is installed, or from the build tree: scripts/test runs them with PYTHONPATH=<build>/python.
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)
