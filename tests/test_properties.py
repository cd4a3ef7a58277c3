"""Property-based checks on random problems: every route to the derivatives agrees.

Problems are generated from a drawn size and seed: smooth strictly convex
objectives F(theta, eps) and non-symmetric estimating equations G(theta, eps),
with d <= 8 and p <= 6. The hypothesis profile is chosen by the
HYPOTHESIS_PROFILE environment variable ("ci" by default, "thorough" for more
examples).
"""

import os
from dataclasses import dataclass

import autograd
import autograd.numpy as np
import numpy as onp
import pytest
from conftest import all_mode_compositions, compose_derivative, relative_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from implicit_optimum import TaylorExpansion, make_thetahat, make_thetahat_from_objective
from implicit_optimum.problems import newton_solve

settings.register_profile(
    "ci", max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@dataclass
class RandomProblem:
    estimating_equation: object
    objective: object
    theta0: onp.ndarray
    eps0: onp.ndarray
    directions: list
    cotangent: onp.ndarray


def softplus(x):
    return np.logaddexp(0.0, x)


def convex_problem(dim_theta, dim_eps, seed):
    rng = onp.random.default_rng(seed)
    factor = rng.normal(size=(dim_theta, dim_theta))
    quadratic = factor @ factor.T / dim_theta + 0.5 * onp.eye(dim_theta)
    theta_weights = rng.normal(size=(3, dim_theta))
    eps_weights = rng.normal(size=(3, dim_eps))
    linear = rng.normal(size=(dim_theta, dim_eps))

    def objective(theta, eps):
        smooth = np.sum(softplus(np.dot(theta_weights, theta) + np.dot(eps_weights, eps)))
        return (
            0.5 * np.dot(theta, np.dot(quadratic, theta))
            + smooth
            + 0.1 * np.sum(theta**4)
            + np.dot(theta, np.dot(linear, np.sin(eps)))
        )

    estimating_equation = autograd.grad(objective, 0)
    return _finish(estimating_equation, objective, dim_theta, dim_eps, rng)


def nonsymmetric_problem(dim_theta, dim_eps, seed):
    rng = onp.random.default_rng(seed)
    matrix = 3.0 * onp.eye(dim_theta) + 0.5 * rng.normal(size=(dim_theta, dim_theta))
    inner = rng.normal(size=(dim_theta, dim_theta)) / onp.sqrt(dim_theta)
    coupling = rng.normal(size=(dim_theta, dim_eps))
    shift = rng.normal(size=dim_theta)

    def estimating_equation(theta, eps):
        nonlinear = 0.3 * np.tanh(np.dot(inner, theta) + np.dot(coupling, eps))
        return np.dot(matrix, theta) + nonlinear + 0.2 * np.dot(coupling, eps**2) + shift

    return _finish(estimating_equation, None, dim_theta, dim_eps, rng)


def _finish(estimating_equation, objective, dim_theta, dim_eps, rng):
    eps0 = 0.5 * rng.normal(size=dim_eps)
    theta0 = newton_solve(estimating_equation, onp.zeros(dim_theta), eps0, tol=1e-12)
    directions = [rng.normal(size=dim_eps) for _ in range(3)]
    return RandomProblem(
        estimating_equation, objective, theta0, eps0, directions, rng.normal(size=dim_theta)
    )


problem_sizes = st.tuples(
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=2**32 - 1),
)


def build(problem):
    if problem.objective is not None:
        return make_thetahat_from_objective(problem.objective, problem.theta0, problem.eps0)
    return make_thetahat(problem.estimating_equation, problem.theta0, problem.eps0)


def check_all_routes(problem):
    thetahat = build(problem)
    expansion = TaylorExpansion(problem.estimating_equation, problem.theta0, problem.eps0, 3)
    direction = problem.directions[0]
    derivatives = expansion.derivatives(direction)

    # Every mode composition of the primitive agrees with the Taylor reference.
    for order in (1, 2, 3):
        expected = onp.dot(problem.cotangent, derivatives[order - 1])
        for modes in all_mode_compositions(order):
            value = compose_derivative(thetahat, problem.cotangent, [direction] * order, modes)(
                problem.eps0
            )
            assert relative_error(value, expected) < 1e-8, (order, modes)

    # Mixed third derivatives along three different directions agree across modes.
    mixed = [
        compose_derivative(thetahat, problem.cotangent, problem.directions, modes)(problem.eps0)
        for modes in all_mode_compositions(3)
    ]
    for value in mixed[1:]:
        assert relative_error(value, mixed[0]) < 1e-8

    # Central differences of genuine re-solves along the direction, with one
    # Richardson step to cancel the h^2 error term: random problems can have
    # large fourth derivatives.
    def resolve(shift):
        return newton_solve(
            problem.estimating_equation, problem.theta0, problem.eps0 + shift * direction, tol=1e-13
        )

    def differences(step):
        plus, minus = resolve(step), resolve(-step)
        return (plus - minus) / (2 * step), (plus - 2 * problem.theta0 + minus) / step**2

    coarse_first, coarse_second = differences(2e-3)
    fine_first, fine_second = differences(1e-3)
    first = (4 * fine_first - coarse_first) / 3
    second = (4 * fine_second - coarse_second) / 3
    assert onp.allclose(first, derivatives[0], rtol=1e-6, atol=1e-8)
    assert onp.allclose(second, derivatives[1], rtol=1e-4, atol=1e-6)

    # The Hessian of u . thetahat in eps is symmetric.
    hessian = autograd.hessian(lambda eps: np.dot(problem.cotangent, thetahat(eps)))(problem.eps0)
    assert relative_error(hessian, hessian.T) < 1e-10


@given(problem_sizes)
def test_convex_objective_routes_agree(sizes):
    check_all_routes(convex_problem(*sizes))


@given(problem_sizes)
def test_nonsymmetric_equation_routes_agree(sizes):
    check_all_routes(nonsymmetric_problem(*sizes))


@pytest.mark.slow
@settings(max_examples=150)
@given(problem_sizes)
def test_convex_objective_routes_agree_many(sizes):
    check_all_routes(convex_problem(*sizes))


@pytest.mark.slow
@settings(max_examples=150)
@given(problem_sizes)
def test_nonsymmetric_equation_routes_agree_many(sizes):
    check_all_routes(nonsymmetric_problem(*sizes))
