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
