# docs/python.md is a notebook: its ```python blocks run in order, in one namespace, and their
# asserts are the documented outputs.
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_python_md_runs(capsys):
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)
    assert len(blocks) >= 6
    namespace = {"__name__": "docs_python_md"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "['exp_avg', 'exp_avg_sq']" in printed and "(16, 8)" in printed
