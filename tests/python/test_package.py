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


def test_the_descent_command_runs_the_program_with_its_exit_status(tmp_path, cli):
    # `python -m descent` is what the `descent` entry point of `pip install .` calls.
    import os
    import pathlib
    import subprocess
    import sys

    import descent

    # The package this test imported, wherever it came from, also for a run in another folder.
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(descent.__file__).resolve().parents[1]))
    listed = subprocess.run([sys.executable, "-m", "descent", "list", "--kind", "model"], capture_output=True,
                            text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "mlp" in listed.stdout
    bad = subprocess.run([sys.executable, "-m", "descent", "train", "--data", "synthetic", "--epochs", "0"],
                         capture_output=True, text=True, cwd=tmp_path, env=env)
    assert bad.returncode == 2
    assert bad.stderr == "descent train: --epochs: 0 violates epochs >= 1\n"
