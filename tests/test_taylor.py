"""The Taylor reference: its terms, its series and its decorators."""

import math

import autograd.numpy as np
import numpy as onp
import pytest

import implicit_optimum
from implicit_optimum import TaylorExpansion, taylor_terms


def bell_number(n):
    """Number of set partitions of an n-element set."""
    row = [1]
    for _ in range(n):
        next_row = [row[-1]]
        for value in row:
            next_row.append(next_row[-1] + value)
        row = next_row
    return row[0]


@pytest.mark.parametrize("order", range(1, 9))
def test_terms_count_every_set_partition(order):
    # Each set partition of the k differentiations appears in exactly one
    # merged term; the left-out partition (k) is the A theta_k term.
    total = sum(term.coefficient for term in taylor_terms(order)) + 1
    assert total == bell_number(order)


def test_terms_of_order_three():
    terms = {term.theta_orders: term.coefficient for term in taylor_terms(3)}
    assert terms == {(2, 1): 3, (1, 1, 1): 1}


def test_series_converges_to_resolve():
    # thetahat(eps) = eps^(1/3); the error of the order-n series shrinks with n.
    expansion = TaylorExpansion(lambda theta, eps: theta**3 - eps, 2.0, 8.0, 6)
    errors = [abs(expansion.series(8.8, order=n) - 8.8 ** (1 / 3)) for n in range(1, 7)]
    assert all(later < earlier for earlier, later in zip(errors, errors[1:], strict=False))
    assert errors[-1] < 1e-7


def test_series_matches_polynomial_exactly():
    # For G linear in theta and eps, thetahat is linear: the series is exact.
    matrix = onp.array([[2.0, 1.0], [0.5, 3.0]])
    expansion = TaylorExpansion(
        lambda theta, eps: np.dot(matrix, theta) - eps, onp.zeros(2), onp.zeros(2), 2
    )
    eps = onp.array([1.0, -2.0])
    onp.testing.assert_allclose(expansion.series(eps), onp.linalg.solve(matrix, eps), rtol=1e-14)


def test_derivatives_do_not_depend_on_earlier_calls():
    expansion = TaylorExpansion(lambda theta, eps: theta**3 - eps, 2.0, 8.0, 3)
    first = expansion.derivatives(1.0)
    expansion.derivatives(-5.0)
    again = expansion.derivatives(1.0)
    for earlier, later in zip(first, again, strict=True):
        assert earlier == later


def test_estimating_equation_decorator():
    @implicit_optimum.estimating_equation
    def cube_root(theta, eps):
        return theta**3 - eps

    assert cube_root(2.0, 8.0) == 0.0
    assert cube_root.__name__ == "cube_root"
    thetahat = cube_root.thetahat(2.0, 8.0)
    expansion = cube_root.taylor_expansion(2.0, 8.0, order=2)
    import autograd

    assert autograd.grad(thetahat)(8.0) == pytest.approx(1 / 12)
    assert expansion.derivatives(1.0)[1] == pytest.approx(-2 / 9 * 8.0 ** (-5 / 3))


def test_objective_decorator():
    @implicit_optimum.objective
    def shrink(theta, penalty):
        return 0.5 * np.sum((theta - 1.0) ** 2) + 0.5 * penalty * np.sum(theta**2)

    theta0 = onp.full(3, 1 / 1.5)
    assert shrink(theta0, 0.5) == pytest.approx(0.5 * 3 * (1 / 3) ** 2 + 0.25 * 3 * (2 / 3) ** 2)
    onp.testing.assert_allclose(shrink.estimating_equation(theta0, 0.5), 0.0, atol=1e-15)
    thetahat = shrink.thetahat(theta0, 0.5)
    assert thetahat.system.factorization.method == "cholesky"
    # thetahat(penalty) = 1 / (1 + penalty): k-th derivative (-1)^k k! / 1.5^(k+1).
    derivatives = shrink.taylor_expansion(theta0, 0.5, order=4).derivatives(1.0)
    for k, derivative in enumerate(derivatives, start=1):
        onp.testing.assert_allclose(derivative, (-1) ** k * math.factorial(k) / 1.5 ** (k + 1))


def test_decorator_rejects_non_callable():
    with pytest.raises(TypeError, match="decorates a callable"):
        implicit_optimum.estimating_equation(3.0)


def test_structured_parameters():
    # theta = (a, b) solves a = s * t and b = a^2, with eps = {"s": s, "t": t}.
    def estimating_equation(theta, eps):
        return (theta[0] - eps["s"] * eps["t"], theta[1] - theta[0] ** 2)

    expansion = TaylorExpansion(estimating_equation, (6.0, 36.0), {"s": 2.0, "t": 3.0}, 3)
    derivatives = expansion.derivatives({"s": 1.0, "t": 0.0})
    # Along s: a = 3 s and b = 9 s^2, so (a', b') = (3, 36), (0, 18), (0, 0).
    expected = [(3.0, 36.0), (0.0, 18.0), (0.0, 0.0)]
    for derivative, (first, second) in zip(derivatives, expected, strict=True):
        assert isinstance(derivative, tuple)
        assert derivative[0] == pytest.approx(first, abs=1e-12)
        assert derivative[1] == pytest.approx(second, abs=1e-12)
    approximation = expansion.series({"s": 2.1, "t": 3.0})
    assert approximation[0] == pytest.approx(6.3)
    assert approximation[1] == pytest.approx(6.3**2)
