"""G built from a function with a reverse-mode rule only, as numpy.linalg.inv is
in autograd 1.9 (unless another package, such as vittles, registers one).

thetahat then computes its jvps as two vjps: every order works in reverse
mode, and forward mode fails with a clear error once G must be traced in it.
"""

import autograd
import numpy as onp
import pytest
from autograd.extend import defvjp, primitive
from conftest import compose_derivative, relative_error

from implicit_optimum import TaylorExpansion, make_thetahat
from implicit_optimum.errors import ForwardModeError

EPS0 = onp.array([2.0, 4.0])
THETA0 = 1.0 / EPS0
COTANGENT = onp.array([0.3, -0.8])
DIRECTION = onp.array([1.0, -0.5])


@primitive
def reciprocal(x):
    """1 / x, with a reverse-mode rule only."""
    return 1.0 / x


defvjp(reciprocal, lambda ans, x: lambda g: -g * reciprocal(x) ** 2)


def inverse_equation(theta, eps):
    # 1 / theta - eps = 0, so thetahat(eps) = 1 / eps.
    return reciprocal(theta) - eps


def exact(order):
    # d^k/dt^k (eps + t delta)^(-1) = (-1)^k k! delta^k / eps^(k+1), per coordinate.
    factorial = [1, 1, 2, 6][order]
    return (-1) ** order * factorial * DIRECTION**order / EPS0 ** (order + 1)


@pytest.fixture(scope="module")
def thetahat():
    return make_thetahat(inverse_equation, THETA0, EPS0)


def test_forward_mode_is_detected(thetahat):
    assert "JVP of reciprocal" in str(thetahat.system.forward_mode_error)


@pytest.mark.parametrize(
    "modes",
    [("reverse",), ("forward",), ("reverse",) * 2, ("forward", "reverse"), ("reverse",) * 3,
     ("forward", "reverse", "reverse")],
    ids=["r", "f", "rr", "fr", "rrr", "frr"],
)  # fmt: skip
def test_reverse_outer_layers_match_closed_form(thetahat, modes):
    order = len(modes)
    derivative = compose_derivative(thetahat, COTANGENT, [DIRECTION] * order, modes)
    assert relative_error(derivative(EPS0), onp.dot(COTANGENT, exact(order))) < 1e-12


def test_forward_over_forward_raises(thetahat):
    first = lambda eps: autograd.make_jvp(thetahat)(eps)(DIRECTION)[1]  # noqa: E731
    with pytest.raises(ForwardModeError, match=r"JVP of reciprocal.*Reverse mode .* works"):
        autograd.make_jvp(first)(EPS0)(DIRECTION)


def test_taylor_expansion_raises():
    with pytest.raises(ForwardModeError, match="TaylorExpansion evaluates nested forward-mode"):
        TaylorExpansion(inverse_equation, THETA0, EPS0, 2)
