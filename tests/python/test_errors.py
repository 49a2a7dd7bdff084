# Every error path of the Python API: the exception type and the message naming the argument.
import pickle
import re

import numpy as np
import pytest

import descent


@pytest.fixture
def adam_state():
    opt = descent.adam()
    params = np.zeros(3)
    return opt, opt.init(params), params


def test_wrong_dtype_is_a_type_error(adam_state):
    opt, state, params = adam_state
    with pytest.raises(TypeError, match=r"^grads: dtype int64 is not supported; descent works on float32 or float64"):
        opt.apply(np.zeros(3, dtype=np.int64), state, params)
    with pytest.raises(TypeError, match=r"^params: dtype float32 does not match the state's dtype float64"):
        opt.apply(np.zeros(3), state, np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError, match=r"^params: dtype int32 is not supported"):
        opt.init(np.zeros(3, dtype=np.int32))


def test_not_an_array_is_a_type_error(adam_state):
    opt, state, params = adam_state
    with pytest.raises(TypeError, match=r"^grads: expected a numpy.ndarray of float32 or float64, got list"):
        opt.apply([0.0, 0.0, 0.0], state, params)
    with pytest.raises(TypeError, match=r"^params: expected a numpy.ndarray"):
        opt.init((1.0, 2.0))


def test_non_contiguous_and_read_only_arrays_are_refused(adam_state):
    opt, state, params = adam_state
    with pytest.raises(ValueError, match=r"^grads: array is not C-contiguous"):
        opt.apply(np.zeros(6)[::2], state, params)
    with pytest.raises(ValueError, match=r"^params: array is not C-contiguous"):
        opt.apply(np.zeros(3), state, np.zeros(6)[::2])
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match=r"^params: array is read-only; descent writes into it in place"):
        opt.apply(np.zeros(3), state, frozen)
    with pytest.raises(ValueError, match=r"^grads: array is read-only"):
        opt.update(frozen, state, np.zeros(3))
    assert state.count == 0  # nothing ran


def test_mismatched_shapes_are_value_errors(adam_state):
    opt, state, params = adam_state
    with pytest.raises(ValueError, match=re.escape("grads: shape (4,) does not match params' shape (3,)")):
        opt.apply(np.zeros(4), state, params)
    with pytest.raises(ValueError, match=re.escape("params: shape (1, 3) does not match the state's shape (3,)")):
        opt.apply(np.zeros((1, 3)), state, np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"^grads: shares memory with params"):
        opt.apply(params, state, params)


def test_a_state_of_another_transform_is_refused():
    params = np.zeros(3)
    with pytest.raises(descent.MismatchError, match=r"^transform state was made by 'sgd\(") as info:
        descent.adam().apply(np.zeros(3), descent.sgd().init(params), params)
    assert isinstance(info.value, ValueError)


def test_bad_hyperparameters_raise_the_librarys_message():
    with pytest.raises(descent.ConfigError, match=re.escape("AdamOptions::beta1 = 1.2 violates 0 <= beta1 < 1")):
        descent.adam(beta1=1.2)
    with pytest.raises(ValueError, match=re.escape("AdamOptions::lr = 0 violates lr > 0")):
        descent.adam(lr=0)
    with pytest.raises(descent.ConfigError, match=re.escape("CosineOptions::steps = 0 violates steps >= 1")):
        descent.cosine(1.0, steps=0)


def test_hyperparameters_of_the_wrong_type():
    with pytest.raises(TypeError, match=r"^adam: beta1 must be a number, got str"):
        descent.adam(beta1="0.9")
    with pytest.raises(TypeError, match=r"^adam: amsgrad must be a bool, got int"):
        descent.adam(amsgrad=1)
    with pytest.raises(TypeError, match=r"^adam: lr must be a number or a descent.Schedule, got list"):
        descent.adam(lr=[1e-3])
    with pytest.raises(ValueError, match=r"^adam: lr = nan is not a finite number"):
        descent.adam(lr=float("nan"))
    with pytest.raises(ValueError, match=r"^cosine: steps = 2.5 is not an integer"):
        descent.cosine(1.0, steps=2.5)
    with pytest.raises(descent.ParseError, match=r"^adam: lr: unknown schedule 'fast'"):
        descent.adam(lr="fast")
    with pytest.raises(TypeError, match=r"^adam\(\) got an unexpected keyword argument 'momentum'"):
        descent.adam(momentum=0.9)
    with pytest.raises(TypeError, match=r"^adam\(\) takes at most 6 positional arguments \(7 given\)"):
        descent.adam(1, 2, 3, 4, 5, 6, 7)
    with pytest.raises(TypeError, match=r"^adam\(\) got multiple values for argument 'lr'"):
        descent.adam(1e-3, lr=1e-3)


def test_bad_specs_raise_parse_errors_with_a_caret():
    with pytest.raises(descent.ParseError, match=re.escape("expected a value after 'lr='\n  adam(lr=\n          ^")):
        descent.parse("adam(lr=")
    with pytest.raises(ValueError, match=r"^unknown optimizer or transform 'adamm'; did you mean 'adam'\?"):
        descent.parse("adamm")


def test_chain_takes_transforms_only():
    with pytest.raises(TypeError, match=r"^chain: argument 2 is a str, expected a descent.Transform"):
        descent.chain(descent.sgd(), "adam")


def test_corrupted_pickled_state_is_a_format_error():
    state = descent.adam().init(np.zeros(3))
    owner, dtype, shape, data = state.__getstate__()
    broken = descent.State.__new__(descent.State)
    with pytest.raises(descent.FormatError, match=r"^pickled descent.State: byte \d+: truncated"):
        broken.__setstate__((owner, dtype, shape, data[:-4]))
    with pytest.raises(descent.FormatError, match=r"^pickled descent.State: byte \d+: "):
        broken.__setstate__((owner, dtype, (4,), data))
    with pytest.raises(ValueError, match=r"dtype 'int8' is neither float32 nor float64"):
        broken.__setstate__((owner, "int8", shape, data))
    assert pickle.loads(pickle.dumps(state)).count == 0
