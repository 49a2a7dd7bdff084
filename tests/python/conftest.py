# pytest configuration for the Python module's tests. They import `descent` from wherever it
# is installed, or from the build tree: scripts/test runs them with PYTHONPATH=<build>/python.
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.fixture
def cli():
    """The `descent` program of the build tree the module came from, or the installed one."""
    import pathlib
    import shutil

    import descent

    built = pathlib.Path(descent._core.__file__).resolve().parents[2] / "tools" / "descent" / "descent"
    if built.exists():
        return str(built)
    installed = shutil.which("descent")
    if installed is None:
        pytest.skip("no descent program next to the module or on PATH")
    return installed
