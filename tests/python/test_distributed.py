# descent.train(distributed=...): a group of one in this process, and real ranks under
# mpirun (python3 started by mpirun; descent starts MPI itself, mpi4py is not needed). The
# mpi4py communicator path runs where mpi4py is installed.
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import descent


def problem(n=240, d=5, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=d) + 0.1 * rng.normal(size=n) > 0).astype(np.float64)
    return X, y


def test_data_parallel_alone_is_a_group_of_one():
    X, y = problem()
    r = descent.train("logistic", X, y, "sgd(lr=0.5)", epochs=2, batch_size=40, distributed="data_parallel(shards=4)")
    assert r.termination == "max_steps"
    assert r.consensus_error is None
    # The same run twice gives the same bits (the ordered sum has no hidden state).
    again = descent.train("logistic", X, y, "sgd(lr=0.5)", epochs=2, batch_size=40,
                          distributed="data_parallel(shards=4)")
    assert np.array_equal(r.params, again.params)


def test_dsgd_alone_reports_zero_consensus_error():
    X, y = problem()
    r = descent.train("logistic", X, y, "sgd(lr=0.5)", epochs=1, batch_size=40, distributed="dsgd(graph=ring)")
    assert r.consensus_error == 0.0


def test_bad_distributed_arguments_name_themselves():
    X, y = problem()
    with pytest.raises(descent.ParseError, match="distributed: unknown distributed method 'ddp'"):
        descent.train("logistic", X, y, epochs=1, distributed="ddp")
    with pytest.raises(ValueError, match="runs from the command line"):
        descent.train("logistic", X, y, epochs=1, distributed="fedavg")
    with pytest.raises(TypeError, match="distributed: expected a spec string"):
        descent.train("logistic", X, y, epochs=1, distributed=3)
    with pytest.raises(descent.ConfigError, match="distributed_timeout = 0 violates"):
        descent.train("logistic", X, y, epochs=1, distributed="data_parallel", distributed_timeout=0)


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import descent
    rng = np.random.default_rng(3)
    X = rng.normal(size=(240, 5))
    y = (X @ rng.normal(size=5) + 0.1 * rng.normal(size=240) > 0).astype(np.float64)
    r = descent.train("logistic", X, y, "sgd(lr=0.5, momentum=0.9)", epochs=3, batch_size=40,
                      distributed="data_parallel(shards=4)")
    rank = __import__("os").environ.get("OMPI_COMM_WORLD_RANK", "0")
    np.save(sys.argv[1] + "/rank" + rank + ".npy", r.params)
""")


def under_sanitizer():
    return "asan" in os.environ.get("LD_PRELOAD", "")


@pytest.mark.skipif(shutil.which("mpirun") is None, reason="mpirun is not installed")
def test_data_parallel_under_mpirun_has_the_bits_of_one_process(tmp_path):
    if not descent._core.built_with_mpi():
        pytest.skip("descent was built without MPI")
    if under_sanitizer():
        pytest.skip("ranks under mpirun do not inherit the sanitizer's preload")
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(["mpirun", "--oversubscribe", "--allow-run-as-root", "-np", "3", sys.executable, str(script),
                    str(tmp_path)], check=True, env=env, timeout=240, capture_output=True)
    X, y = problem()
    alone = descent.train("logistic", X, y, "sgd(lr=0.5, momentum=0.9)", epochs=3, batch_size=40,
                          distributed="data_parallel(shards=4)")
    for rank in range(3):
        assert np.array_equal(np.load(tmp_path / f"rank{rank}.npy"), alone.params), f"rank {rank}"


def test_comm_from_mpi4py_where_installed():
    MPI = pytest.importorskip("mpi4py.MPI")
    if not descent._core.built_with_mpi():
        pytest.skip("descent was built without MPI")
    X, y = problem()
    r = descent.train("logistic", X, y, "sgd(lr=0.5)", epochs=1, batch_size=40, distributed="data_parallel",
                      comm=MPI.COMM_WORLD)
    alone = descent.train("logistic", X, y, "sgd(lr=0.5)", epochs=1, batch_size=40, distributed="data_parallel")
    assert np.array_equal(r.params, alone.params)
