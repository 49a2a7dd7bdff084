# descent.privacy_epsilon and descent.noise_multiplier: the C++ Renyi-DP accountant and noise
# calibration (the figures themselves are checked against dp_accounting, Opacus and a 40-digit
# evaluation in tests/privacy; here: the binding, its defaults and its errors).
import math

import pytest

import descent

privacy_epsilon = descent.privacy_epsilon
noise_multiplier = descent.noise_multiplier

# Issue 13's point (tests/fixtures/privacy/rdp_golden.csv, column "exact").
ISSUE_EPSILON = 7.3291111714841742


def test_epsilon_of_issue_13s_point():
    eps = privacy_epsilon(1.5, 0.04, 2250, 1e-5)
    assert math.isclose(eps, ISSUE_EPSILON, rel_tol=1e-8)
    assert privacy_epsilon(sigma=1.5, q=0.04, steps=2250, delta=1e-5, accountant="rdp") == eps


def test_epsilon_grows_with_steps_and_is_zero_without_any():
    assert privacy_epsilon(1.0, 0.01, 0, 1e-5) == 0
    values = [privacy_epsilon(1.0, 0.01, n, 1e-5) for n in (10, 100, 1000)]
    assert values == sorted(values) and values[0] > 0


def test_noise_multiplier_inverts_epsilon():
    sigma = noise_multiplier(ISSUE_EPSILON, 1e-5, 0.04, 2250)
    assert 1.5 * (1 - 1e-12) <= sigma <= 1.5 * (1 + 1e-6)
    assert privacy_epsilon(sigma, 0.04, 2250, 1e-5) <= ISSUE_EPSILON


def test_bad_input_is_a_config_error_naming_the_argument():
    with pytest.raises(descent.ConfigError, match=r"^GaussianSteps::noise_multiplier = 0 violates noise_multiplier > 0"):
        privacy_epsilon(0.0, 0.01, 10, 1e-5)
    with pytest.raises(ValueError, match=r"^GaussianSteps::sampling_rate = 2 violates 0 < sampling_rate <= 1"):
        privacy_epsilon(1.0, 2.0, 10, 1e-5)
    with pytest.raises(descent.ConfigError, match=r"^RdpAccountant::delta = 1 violates 0 < delta < 1"):
        privacy_epsilon(1.0, 0.01, 10, 1.0)
    with pytest.raises(descent.ConfigError, match=r"^accountant = 'moments' is not one of rdp, pld"):
        privacy_epsilon(1.0, 0.01, 10, 1e-5, accountant="moments")
    with pytest.raises(descent.ConfigError, match=r"no order gives a finite epsilon"):
        privacy_epsilon(1e-160, 0.5, 1, 1e-5)
    with pytest.raises(descent.ConfigError, match=r"^NoiseCalibration::target_epsilon = -1 violates target_epsilon > 0"):
        noise_multiplier(-1.0, 1e-5, 0.01, 100)
    with pytest.raises(descent.ConfigError, match=r"cannot be reached: even noise_multiplier = 10000"):
        noise_multiplier(1e-9, 1e-5, 1.0, 1000000)


def test_the_pld_accountant_is_tighter_and_agrees_with_dp_accounting():
    # dp_accounting 0.6.0's PLD at its default interval 1e-4 (tests/fixtures/privacy/pld_golden.csv):
    # 6.7687874; the pessimistic grid puts ours at most N h = 0.225 above the exact value.
    eps = privacy_epsilon(1.5, 0.04, 2250, 1e-5, accountant="pld")
    assert abs(eps - 6.7687874) < 1e-5
    assert eps < privacy_epsilon(1.5, 0.04, 2250, 1e-5)
