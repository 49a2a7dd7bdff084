# Transforms and chains over NumPy arrays: in-place updates, states, pickling, constructors.
import copy
import inspect
import math
import pickle

import numpy as np
import pytest

import descent

# float64 arithmetic of one optimizer step: a handful of roundings, each <= 2^-53 relative, so
# 1e-14 relative bounds any difference between the closed forms below and the library.
RTOL64 = 1e-14


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_apply_updates_the_callers_array_in_place(dtype):
    params = np.array([1.0, -2.0, 3.0], dtype=dtype)
    grads = np.array([0.5, 0.25, -1.0], dtype=dtype)
    address = params.ctypes.data
    opt = descent.sgd(lr=0.5)
    state = opt.init(params)
    assert opt.apply(grads, state, params) is None
    # lr = 0.5 and the gradients are powers of two: every product and sum is exact.
    np.testing.assert_array_equal(params, np.array([0.75, -2.125, 3.5], dtype=dtype))
    assert params.ctypes.data == address and params.dtype == dtype
    assert state.count == 1


def test_update_rewrites_grads_and_only_reads_params():
    params = np.array([1.0, 2.0])
    params.flags.writeable = False  # update() never writes params
    grads = np.array([4.0, -8.0])
    opt = descent.sgd(lr=0.25)
    out = opt.update(grads, opt.init(params), params)
    assert out is grads
    np.testing.assert_array_equal(grads, [-1.0, 2.0])
    np.testing.assert_array_equal(params, [1.0, 2.0])


def test_first_adam_step_matches_the_closed_form():
    # After one step m_hat = g and v_hat = g^2 exactly (bias correction), so the update is
    # -lr * g / (|g| + eps).
    lr, eps = 1e-2, 1e-8
    params = np.zeros(4)
    grads = np.array([0.3, -2.0, 1e-3, 5.0])
    expected = -lr * grads / (np.abs(grads) + eps)
    opt = descent.adam(lr=lr, eps=eps)
    state = opt.init(params)
    opt.apply(grads.copy(), state, params)
    np.testing.assert_allclose(params, expected, rtol=RTOL64)
    np.testing.assert_allclose(state.slots["exp_avg"], 0.1 * grads, rtol=RTOL64)
    np.testing.assert_allclose(state.slots["exp_avg_sq"], 0.001 * grads**2, rtol=RTOL64)


def test_chain_clips_then_steps():
    # ||g|| = 5 > max_norm = 1: the direction is scaled by 1/5, then sgd multiplies by -lr.
    params = np.zeros((2, 2))
    grads = np.array([[3.0, 0.0], [0.0, 4.0]])
    opt = descent.chain(descent.clip_by_global_norm(1.0), descent.sgd(lr=0.5))
    state = opt.init(params)
    opt.apply(grads, state, params)
    np.testing.assert_allclose(params, [[-0.3, 0.0], [0.0, -0.4]], rtol=RTOL64)
    assert opt.kind == "chain"
    assert [m.spec for m in opt.members] == [descent.clip_by_global_norm(1.0).spec, descent.sgd(lr=0.5).spec]
    assert [c.owner for c in state.children] == [m.spec for m in opt.members]


def test_constructors_and_spec_strings_agree():
    assert descent.adam(lr=1e-3, beta1=0.8) == descent.parse("adam(lr=1e-3, beta1=0.8)")
    assert descent.adam(1e-3) == descent.parse("adam(0.001)")
    opt = descent.parse("chain(clip_by_global_norm(1), adam(lr=warmup(cosine(1e-3, 100), 10)))")
    assert descent.parse(opt.spec) == opt
    assert descent.chain(descent.clip_by_global_norm(1.0),
                         descent.adam(lr=descent.warmup(descent.cosine(1e-3, 100), steps=10))) == opt
    assert repr(opt) == f"descent.parse('{opt.spec}')"


def test_every_registered_entry_has_a_documented_constructor(tmp_path):
    # table(file) follows a file of values: the one entry that needs an argument.
    table_file = tmp_path / "it's a schedule.txt"
    table_file.write_text("1\n0.5\n")
    for entry in descent.optimizers():
        if entry["name"] in ("chain", "partition"):
            continue
        build = getattr(descent, entry["name"])
        assert entry["summary"][1:] in build.__doc__
        for p in entry["parameters"]:
            assert p["name"] in inspect.signature(build).parameters
            assert p["name"] in build.__doc__
        made = build(table_file) if entry["name"] == "table" else build()
        assert isinstance(made, descent.Schedule if entry["kind"] == "schedule" else descent.Transform)


def test_state_is_inspectable():
    params = np.zeros((2, 3), dtype=np.float32)
    opt = descent.adam()
    state = opt.init(params)
    assert state.dtype == np.float32 and state.shape == (2, 3) and state.size == 6
    assert state.owner == opt.spec and state.count == 0
    slots = state.slots
    assert set(slots) == {"exp_avg", "exp_avg_sq"}
    assert slots["exp_avg"].shape == (2, 3) and slots["exp_avg"].dtype == np.float32
    # The slots are views of the state's memory: a later step shows through them.
    view = slots["exp_avg"]
    opt.apply(np.ones((2, 3), dtype=np.float32), state, params)
    # m = (1 - beta1) * 1 with beta1 = 0.9, rounded once to float32.
    np.testing.assert_array_equal(view, np.full((2, 3), np.float32(1 - 0.9)))
    del state  # the view keeps the memory alive
    assert float(view.sum()) == pytest.approx(6 * 0.1, rel=1e-6)


def test_state_pickles_and_continues_bit_for_bit(rng):
    opt = descent.chain(descent.clip_by_global_norm(0.5), descent.adam(lr=1e-2, amsgrad=True))
    params = rng.standard_normal(50)
    state = opt.init(params)
    for _ in range(3):
        opt.apply(rng.standard_normal(50), state, params)
    restored = pickle.loads(pickle.dumps(state))
    twin = copy.deepcopy(state)
    assert restored.count == 3 and restored.owner == opt.spec
    g = rng.standard_normal(50)
    p1, p2, p3 = params.copy(), params.copy(), params.copy()
    opt.apply(g.copy(), state, p1)
    opt.apply(g.copy(), restored, p2)
    opt.apply(g.copy(), twin, p3)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(p1, p3)
    assert pickle.loads(pickle.dumps(opt)) == opt


def test_schedule_values_follow_the_formula():
    # cosine: end + (init - end) * (1 + cos(pi * t / steps)) / 2
    values = descent.cosine(1.0, steps=4).values(5)
    expected = [(1 + math.cos(math.pi * t / 4)) / 2 for t in range(5)]
    # At t = 4 the value is 0 up to the rounding of cos(pi) (<= 2^-53 absolute, halved).
    np.testing.assert_allclose(values, expected, rtol=RTOL64, atol=2**-53)
    s = descent.Schedule("cosine(1, 4)")
    assert s == descent.cosine(1.0, steps=4) and pickle.loads(pickle.dumps(s)) == s


def test_partition_gives_each_group_its_transform():
    # A lone array is one block "x" with the array's shape: ndim picks the group.
    opt = descent.partition(descent.group(descent.sgd(lr=0.5), ndim=2), default=descent.sgd(lr=0.1))
    assert opt.spec.startswith("partition(group(match='*', ndim=2, transform=sgd(lr=0.5")
    assert descent.parse(opt.spec) == opt
    assert eval(repr(opt), {"descent": descent}) == opt
    for shape, lr in (((2, 3), 0.5), ((6,), 0.1)):
        params = np.ones(shape)
        state = opt.init(params)
        grads = np.full(shape, 2.0)
        opt.apply(grads, state, params)
        np.testing.assert_array_equal(params, np.full(shape, 1.0 - 2.0 * lr))
    # The first matching group wins; a block nothing takes is an error at init.
    by_name = descent.partition(descent.group(descent.adam(), match="x"), descent.group(descent.sgd()))
    assert descent.parse(by_name.spec).spec == by_name.spec
    with pytest.raises(descent.ConfigError, match="block 'x' matches no group and there is no default="):
        descent.partition(descent.group(descent.adam(), match="*.bias")).init(np.zeros(3))
    with pytest.raises(TypeError, match="expected a descent.group"):
        descent.partition(descent.adam())
    with pytest.raises(ValueError, match="ndim"):
        descent.group(descent.adam(), ndim=-1)


def test_partition_with_the_same_transform_everywhere_trains_as_that_transform():
    # Biases and weights in separate groups, each with AdamW of the same settings: every
    # coordinate sees the same formula with its own moments, so the parameters agree bit for
    # bit with plain AdamW, through the training loop.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    adamw = descent.adamw(lr=1e-2, weight_decay=0.1)
    opt = descent.partition(descent.group(adamw, match="*.bias"), default=adamw)
    grouped = descent.train(descent.Mlp(hidden=[8]), X, y, optimizer=opt, epochs=2, batch_size=32)
    plain = descent.train(descent.Mlp(hidden=[8]), X, y, optimizer=adamw, epochs=2, batch_size=32)
    assert set(grouped.blocks) == {"layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"}
    np.testing.assert_array_equal(grouped.params, plain.params)


def test_muon_sees_a_matrix_array_and_refuses_a_vector():
    # A 2-D array is one matrix block: Muon's update is lr * sqrt(max(1, rows/cols)) times the
    # Newton-Schulz image of the (first-step) momentum, whose singular values all lie in
    # (0.68, 1.13) (docs/algorithms.md#muon); a rank-one gradient keeps one of them.
    opt = descent.muon(lr=0.1, weight_decay=0.0)
    params = np.zeros((3, 4))
    grads = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, -1.0, 2.0])
    opt.apply(grads.copy(), opt.init(params), params)
    singular = np.linalg.svd(params, compute_uv=False)
    assert 0.1 * 0.68 < singular[0] < 0.1 * 1.13
    np.testing.assert_allclose(singular[1:], 0.0, atol=1e-12)
    with pytest.raises(descent.ConfigError, match="partition"):
        opt.init(np.zeros(5))


def test_a_partition_groups_slots_have_the_groups_length():
    # One 2-D block goes to the group: its state's slots are views of that block's length,
    # never of the whole parameters' shape when they differ.
    opt = descent.partition(descent.group(descent.adam(), ndim=1), default=descent.sgd(momentum=0.9))
    params = np.ones((3, 4))
    state = opt.init(params)
    opt.apply(np.ones((3, 4)), state, params)
    (child,) = state.children
    assert child.owner.startswith("sgd(")
    assert child.slots["momentum_buffer"].shape == (3, 4)
    np.testing.assert_array_equal(child.slots["momentum_buffer"], np.ones((3, 4)))


def test_a_dict_of_arrays_is_one_block_per_key():
    # Muon on the matrices, Adam on the vector: the same as each on its own array.
    rng = np.random.default_rng(2)
    params = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    grads = {"w": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    opt = descent.partition(descent.group(descent.muon(lr=0.02), ndim=2), default=descent.adam(lr=0.01))
    state = opt.init(params)
    assert state.blocks == {"w": (4, 3), "b": (3,)}
    alone = {"w": (descent.muon(lr=0.02), params["w"].copy()), "b": (descent.adam(lr=0.01), params["b"].copy())}
    alone_states = {k: t.init(p) for k, (t, p) in alone.items()}
    for _ in range(3):
        opt.apply({k: g.copy() for k, g in grads.items()}, state, params)
        for k, (t, p) in alone.items():
            t.apply(grads[k].copy(), alone_states[k], p)
    for k in params:
        np.testing.assert_array_equal(params[k], alone[k][1])
    # The group's states have the group's length; the whole state round-trips through pickle.
    muon_state, adam_state = state.children
    assert muon_state.slots["momentum_buffer"].shape == (12,)
    assert adam_state.slots["exp_avg"].shape == (3,)
    again = pickle.loads(pickle.dumps(state))
    assert again.blocks == state.blocks and again.count == state.count
    # update() rewrites the grads dict into the updates; keys and shapes are checked.
    g = {k: v.copy() for k, v in grads.items()}
    opt.update(g, again, params)
    assert not np.array_equal(g["w"], grads["w"])
    with pytest.raises(KeyError, match="no array 'b'"):
        opt.apply({"w": grads["w"].copy(), "c": grads["b"].copy()}, state, params)
    with pytest.raises(ValueError, match="shape"):
        opt.apply({"w": grads["w"].copy(), "b": np.zeros(4)}, state, params)
    with pytest.raises(TypeError, match="dict"):
        opt.apply(grads["w"].copy(), state, params)
