"""Primitive, naive, Taylor reference and finite differences of re-solves agree."""

import autograd
import autograd.numpy as np
import numpy as onp
import pytest
from conftest import all_mode_compositions, compose_derivative, relative_error

from implicit_optimum import TaylorExpansion, make_naive_thetahat, make_thetahat
from implicit_optimum.problems import logistic_weights, newton_solve


@pytest.fixture(scope="module")
def logistic():
    return logistic_weights()


@pytest.fixture(scope="module")
def logistic_derivatives(logistic):
    expansion = TaylorExpansion(
        logistic.estimating_equation, logistic.theta0, logistic.eps0, 3, linear_in_eps=True
    )
    return expansion.derivatives(logistic.direction)


def resolve(problem, eps):
    return newton_solve(problem.estimating_equation, problem.theta0, eps, tol=1e-12)


def test_taylor_matches_finite_differences_of_resolves(logistic, logistic_derivatives):
    # Central differences of genuine Newton re-solves along the direction:
    # step h gives errors of order h^2 for the first two orders.
    step = 1e-3
    resolved = {
        shift: resolve(logistic, logistic.eps0 + shift * step * logistic.direction)
        for shift in (-2, -1, 1, 2)
    }
    theta0 = logistic.theta0
    first = (resolved[1] - resolved[-1]) / (2 * step)
    second = (resolved[1] - 2 * theta0 + resolved[-1]) / step**2
    third = (resolved[2] - 2 * resolved[1] + 2 * resolved[-1] - resolved[-2]) / (2 * step**3)
    assert relative_error(first, logistic_derivatives[0]) < 1e-5
    assert relative_error(second, logistic_derivatives[1]) < 1e-4
    assert relative_error(third, logistic_derivatives[2]) < 1e-2


def test_taylor_linear_option_matches_general(logistic, logistic_derivatives):
    general = TaylorExpansion(logistic.estimating_equation, logistic.theta0, logistic.eps0, 3)
    for pruned, full in zip(
        logistic_derivatives, general.derivatives(logistic.direction), strict=True
    ):
        assert relative_error(pruned, full) < 1e-12


@pytest.mark.parametrize("order", [1, 2, 3])
def test_primitive_and_naive_match_taylor(logistic, logistic_derivatives, order):
    expected = onp.dot(logistic.cotangent, logistic_derivatives[order - 1])
    builders = {"primitive": make_thetahat, "naive": make_naive_thetahat}
    for name, builder in builders.items():
        thetahat = builder(logistic.estimating_equation, logistic.theta0, logistic.eps0)
        for modes in all_mode_compositions(order):
            if name == "naive" and len(set(modes)) > 1:
                continue  # the naive formulation is slow; pure modes suffice
            derivative = compose_derivative(
                thetahat, logistic.cotangent, [logistic.direction] * order, modes
            )
            assert relative_error(derivative(logistic.eps0), expected) < 1e-9, (name, modes)


def test_mixed_directions_agree_across_modes(logistic):
    """Third derivatives along three different directions, in all 8 compositions."""
    rng = onp.random.default_rng(7)
    directions = [rng.normal(size=logistic.p) for _ in range(3)]
    thetahat = make_thetahat(logistic.estimating_equation, logistic.theta0, logistic.eps0)
    naive = make_naive_thetahat(logistic.estimating_equation, logistic.theta0, logistic.eps0)
    reference = compose_derivative(naive, logistic.cotangent, directions, ("forward",) * 3)(
        logistic.eps0
    )
    for modes in all_mode_compositions(3):
        value = compose_derivative(thetahat, logistic.cotangent, directions, modes)(logistic.eps0)
        assert relative_error(value, reference) < 1e-9, modes


def test_hessian_is_symmetric(logistic):
    rows = 40
    problem = logistic_weights(rows=rows)
    thetahat = make_thetahat(problem.estimating_equation, problem.theta0, problem.eps0)
    hessian = autograd.hessian(lambda eps: np.dot(problem.cotangent, thetahat(eps)))(problem.eps0)
    assert hessian.shape == (rows, rows)
    assert relative_error(hessian, hessian.T) < 1e-12


def test_frozen_factorization_would_fail():
    """A solve whose rule drops the derivative of dG/dtheta is wrong at order 2.

    dG/dtheta = M + lambda I depends on lambda here, so this is the case that
    the primitive's solve rules exist for; the test shows that the check used
    throughout the suite detects the frozen variant.
    """
    from autograd.extend import defjvp, primitive

    rng = onp.random.default_rng(3)
    base = rng.normal(size=(3, 3))
    base = base @ base.T + onp.eye(3)
    right = rng.normal(size=3)
    penalty0 = 0.5
    matrix = base + penalty0 * onp.eye(3)
    theta0 = onp.linalg.solve(matrix, right)

    def estimating_equation(theta, penalty):
        return np.dot(base, theta) + penalty * theta - right

    @primitive
    def frozen_solve(rhs):
        return onp.linalg.solve(matrix, rhs)

    defjvp(frozen_solve, lambda tangent, ans, rhs: frozen_solve(tangent))

    @primitive
    def frozen_thetahat(penalty):
        return theta0

    def frozen_jvp(tangent, ans, penalty):
        return -frozen_solve(frozen_thetahat(penalty) * tangent)

    defjvp(frozen_thetahat, frozen_jvp)

    exact_second = 2 * onp.linalg.matrix_power(onp.linalg.inv(matrix), 2) @ theta0

    def second_derivative(function):
        first = lambda penalty: autograd.make_jvp(function)(penalty)(1.0)[1]  # noqa: E731
        return autograd.make_jvp(first)(penalty0)(1.0)[1]

    thetahat = make_thetahat(estimating_equation, theta0, penalty0)
    assert relative_error(second_derivative(thetahat), exact_second) < 1e-9
    assert relative_error(second_derivative(frozen_thetahat), exact_second) > 0.1
