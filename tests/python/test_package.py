# The package itself: version in step with pyproject.toml, exported names, help() texts.
import pathlib
import re

import descent

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_version_matches_pyproject():
    # The first `version = "..."` line is [project]'s (tomllib is Python >= 3.11 only).
    version = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), flags=re.M).group(1)
    assert descent.__version__ == version


def test_exported_names_exist_and_are_documented():
    for name in descent.__all__:
        obj = getattr(descent, name)
        assert obj.__doc__, name
    for name in ("minimize", "train", "chain", "parse"):
        assert len(getattr(descent, name).__doc__) > 60, name
    assert "apply" in descent.Transform.__doc__ and "slots" in descent.State.__doc__


def test_importing_descent_makes_openmp_threads_sleep_unless_a_policy_is_set():
    import os
    import subprocess
    import sys

    code = "import os, descent; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "passive"
    env["GOMP_SPINCOUNT"] = "1000"  # the user's choice stands
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "None"
