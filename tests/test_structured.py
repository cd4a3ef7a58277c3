"""Tuples and dicts as theta and eps: derivatives in every mode, never silently zero."""

import warnings

import autograd
import autograd.numpy as np
import pytest

from implicit_optimum import make_thetahat

EPS0 = {"s": 2.0, "t": 3.0}
ALONG_S = {"s": 1.0, "t": 0.0}


@pytest.fixture
def tuple_thetahat():
    # a = s t and b = a^2, so along s: a' = t, b' = 2 s t^2, a'' = 0, b'' = 2 t^2.
    def estimating_equation(theta, eps):
        return (theta[0] - eps["s"] * eps["t"], theta[1] - theta[0] ** 2)

    return make_thetahat(estimating_equation, (6.0, 36.0), EPS0)


def forward_along_s(function):
    return lambda eps: autograd.make_jvp(function)(eps)(ALONG_S)[1]


def test_tuple_forward_first_and_second(tuple_thetahat):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # autograd warns when an output looks constant
        first = forward_along_s(tuple_thetahat)(EPS0)
        second = forward_along_s(forward_along_s(tuple_thetahat))(EPS0)
    assert isinstance(first, tuple)
    assert first == pytest.approx((3.0, 36.0))
    assert second == pytest.approx((0.0, 18.0))


def test_tuple_reverse_and_mixed(tuple_thetahat):
    def b_of(eps):
        return tuple_thetahat(eps)[1]

    gradient = autograd.grad(b_of)(EPS0)
    assert gradient["s"] == pytest.approx(36.0)
    assert gradient["t"] == pytest.approx(24.0)
    mixed = autograd.grad(lambda eps: forward_along_s(tuple_thetahat)(eps)[1])(EPS0)
    assert mixed["s"] == pytest.approx(18.0)  # d/ds of 2 s t^2
    assert mixed["t"] == pytest.approx(24.0)  # d/dt of 2 s t^2


def test_dict_theta_forward_mode():
    def estimating_equation(theta, eps):
        return {"a": theta["a"] - eps, "b": theta["b"] - theta["a"] ** 2}

    thetahat = make_thetahat(estimating_equation, {"a": 2.0, "b": 4.0}, 2.0)
    first = autograd.make_jvp(thetahat)(2.0)(1.0)[1]
    second = autograd.make_jvp(lambda eps: autograd.make_jvp(thetahat)(eps)(1.0)[1])(2.0)(1.0)[1]
    assert first == {"a": pytest.approx(1.0), "b": pytest.approx(4.0)}
    assert second == {"a": pytest.approx(0.0), "b": pytest.approx(2.0)}


def test_scalar_eps_built_into_dict_inside_function(tuple_thetahat):
    def b_of_s(s):
        return tuple_thetahat({"s": s, "t": 3.0})[1]

    assert autograd.grad(b_of_s)(2.0) == pytest.approx(36.0)
    assert autograd.grad(autograd.grad(b_of_s))(2.0) == pytest.approx(18.0)
    # np.sum keeps the output a box for make_jvp, as for any autograd function.
    assert autograd.make_jvp(lambda s: np.sum(b_of_s(s)))(2.0)(1.0)[1] == pytest.approx(36.0)
