"""Derivatives of thetahat against exact closed forms, in every mode composition."""

import math

import autograd
import autograd.numpy as np
import numpy as onp
import pytest
from conftest import MODE_COMPOSITIONS, MODE_IDS, compose_derivative, relative_error

from implicit_optimum import (
    TaylorExpansion,
    make_naive_thetahat,
    make_thetahat,
    make_thetahat_from_objective,
)

TOLERANCE = 1e-9


def falling_power(exponent, k):
    """exponent * (exponent - 1) * ... * (exponent - k + 1)."""
    product = 1.0
    for i in range(k):
        product *= exponent - i
    return product


class CubeRoot:
    """G(theta, eps) = theta^3 - eps: thetahat = eps^(1/3), scalar theta and eps."""

    theta0, eps0, direction, cotangent = 2.0, 8.0, 1.0, 1.0

    @staticmethod
    def estimating_equation(theta, eps):
        return theta**3 - eps

    def exact(self, k):
        return falling_power(1 / 3, k) * self.eps0 ** (1 / 3 - k)


class RidgePenalty:
    """argmin 1/2 |y - X theta|^2 + lambda/2 |theta|^2: d^k theta/dlambda^k
    = (-1)^k k! M^{-k} theta, M = X^T X + lambda I; dG/dtheta depends on lambda."""

    def __init__(self):
        rng = onp.random.default_rng(0)
        self.features = rng.normal(size=(12, 4))
        self.labels = rng.normal(size=12)
        self.eps0 = 0.7
        self.matrix = self.features.T @ self.features + self.eps0 * onp.eye(4)
        self.theta0 = onp.linalg.solve(self.matrix, self.features.T @ self.labels)
        self.direction = 1.0
        self.cotangent = rng.normal(size=4)

    def objective(self, theta, penalty):
        residual = self.labels - np.dot(self.features, theta)
        return 0.5 * np.sum(residual**2) + 0.5 * penalty * np.sum(theta**2)

    def estimating_equation(self, theta, penalty):
        return autograd.grad(self.objective)(theta, penalty)

    def exact(self, k):
        inverse_power = onp.linalg.matrix_power(onp.linalg.inv(self.matrix), k)
        return (-1) ** k * math.factorial(k) * inverse_power @ self.theta0


class WeightedMean:
    """G(theta, w) = sum_ij w_ij (theta - x_ij): thetahat(w) = sum w x / sum w,
    with the weights as a (3, 2) matrix; linear in w, dG/dtheta = sum w."""

    def __init__(self):
        rng = onp.random.default_rng(1)
        self.points = rng.normal(size=(3, 2))
        self.eps0 = rng.uniform(0.5, 1.5, size=(3, 2))
        self.theta0 = onp.sum(self.eps0 * self.points) / onp.sum(self.eps0)
        self.direction = rng.normal(size=(3, 2))
        self.cotangent = 1.0

    def estimating_equation(self, theta, weights):
        return np.sum(weights * (theta - self.points))

    def exact(self, k):
        # theta(t) = (a + t b) / (s + t c) has k-th derivative
        # (-1)^k k! c^(k-1) (a c - b s) / s^(k+1) at t = 0.
        a = onp.sum(self.eps0 * self.points)
        b = onp.sum(self.direction * self.points)
        s, c = onp.sum(self.eps0), onp.sum(self.direction)
        return (-1) ** k * math.factorial(k) * c ** (k - 1) * (a * c - b * s) / s ** (k + 1)


class NonSymmetricRoot:
    """G = (theta_1^3 - eps, theta_2 - theta_1^2): thetahat = (eps^(1/3), eps^(2/3)),
    and dG/dtheta = [[3 theta_1^2, 0], [-2 theta_1, 1]] is not symmetric."""

    theta0, eps0, direction = onp.array([2.0, 4.0]), 8.0, 1.0
    cotangent = onp.array([0.3, -1.1])

    @staticmethod
    def estimating_equation(theta, eps):
        return np.stack([theta[0] ** 3 - eps, theta[1] - theta[0] ** 2])

    def exact(self, k):
        return onp.array(
            [
                falling_power(1 / 3, k) * self.eps0 ** (1 / 3 - k),
                falling_power(2 / 3, k) * self.eps0 ** (2 / 3 - k),
            ]
        )


class MatrixTheta:
    """G(Theta, lambda) = (B + lambda I) Theta - C with a non-symmetric B:
    d^k Theta/dlambda^k = (-1)^k k! (B + lambda I)^{-(k+1)} C, Theta of shape (3, 2)."""

    def __init__(self):
        rng = onp.random.default_rng(2)
        self.base = rng.normal(size=(3, 3)) + 4 * onp.eye(3)
        self.right = rng.normal(size=(3, 2))
        self.eps0 = 0.5
        self.matrix = self.base + self.eps0 * onp.eye(3)
        self.theta0 = onp.linalg.solve(self.matrix, self.right)
        self.direction = 1.0
        self.cotangent = rng.normal(size=(3, 2))

    def estimating_equation(self, theta, penalty):
        return np.dot(self.base + penalty * np.eye(3), theta) - self.right

    def exact(self, k):
        inverse_power = onp.linalg.matrix_power(onp.linalg.inv(self.matrix), k)
        return (-1) ** k * math.factorial(k) * inverse_power @ self.theta0


class SymmetricAtBase:
    """G = (theta_1 + theta_2^2 - eps_1, theta_2 - sin(eps_2)): thetahat =
    (eps_1 - sin(eps_2)^2, sin(eps_2)). dG/dtheta = [[1, 2 theta_2], [0, 1]] is
    symmetric at theta0 = 0 but not elsewhere, and G is not a gradient."""

    theta0, eps0 = onp.zeros(2), onp.zeros(2)
    direction = onp.array([0.7, -1.3])
    cotangent = onp.array([1.1, 0.4])

    @staticmethod
    def estimating_equation(theta, eps):
        return np.stack([theta[0] + theta[1] ** 2 - eps[0], theta[1] - np.sin(eps[1])])

    def exact(self, k):
        first, second = self.direction
        return {
            1: onp.array([first, second]),
            2: onp.array([-2 * second**2, 0.0]),
            3: onp.array([0.0, -(second**3)]),
        }[k]


PROBLEMS = {
    "symmetric_at_base": SymmetricAtBase(),
    "cube_root": CubeRoot(),
    "ridge_penalty": RidgePenalty(),
    "weighted_mean": WeightedMean(),
    "nonsymmetric_root": NonSymmetricRoot(),
    "matrix_theta": MatrixTheta(),
}


def build_thetahat(problem):
    if isinstance(problem, RidgePenalty):
        return make_thetahat_from_objective(problem.objective, problem.theta0, problem.eps0)
    return make_thetahat(problem.estimating_equation, problem.theta0, problem.eps0)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("modes", MODE_COMPOSITIONS, ids=MODE_IDS)
def test_primitive_matches_closed_form(name, modes):
    problem = PROBLEMS[name]
    thetahat = build_thetahat(problem)
    order = len(modes)
    derivative = compose_derivative(thetahat, problem.cotangent, [problem.direction] * order, modes)
    expected = onp.sum(problem.cotangent * problem.exact(order))
    assert relative_error(derivative(problem.eps0), expected) < TOLERANCE


@pytest.mark.parametrize("name", PROBLEMS)
def test_primitive_value_and_shape(name):
    problem = PROBLEMS[name]
    thetahat = build_thetahat(problem)
    value = thetahat(problem.eps0)
    assert value.shape == onp.shape(problem.theta0)
    assert value.dtype == onp.float64
    onp.testing.assert_array_equal(value, problem.theta0)


@pytest.mark.parametrize("name", PROBLEMS)
def test_jacobian_shape(name):
    problem = PROBLEMS[name]
    thetahat = build_thetahat(problem)
    jacobian = autograd.jacobian(thetahat)(problem.eps0)
    assert jacobian.shape == onp.shape(problem.theta0) + onp.shape(problem.eps0)


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_taylor_matches_closed_form(name, order):
    problem = PROBLEMS[name]
    expansion = TaylorExpansion(problem.estimating_equation, problem.theta0, problem.eps0, 3)
    derivatives = expansion.derivatives(problem.direction)
    assert relative_error(derivatives[order - 1], problem.exact(order)) < TOLERANCE


@pytest.mark.parametrize("name", PROBLEMS)
@pytest.mark.parametrize("modes", [("forward",) * 3, ("reverse",) * 3], ids=["fff", "rrr"])
def test_naive_matches_closed_form(name, modes):
    problem = PROBLEMS[name]
    thetahat = make_naive_thetahat(problem.estimating_equation, problem.theta0, problem.eps0)
    derivative = compose_derivative(thetahat, problem.cotangent, [problem.direction] * 3, modes)
    expected = onp.sum(problem.cotangent * problem.exact(3))
    assert relative_error(derivative(problem.eps0), expected) < TOLERANCE


def test_taylor_order_eight_ridge():
    problem = PROBLEMS["ridge_penalty"]
    expansion = TaylorExpansion.from_objective(problem.objective, problem.theta0, problem.eps0, 8)
    for k, derivative in enumerate(expansion.derivatives(1.0), start=1):
        assert relative_error(derivative, problem.exact(k)) < TOLERANCE, k


def test_autograd_hessian_and_make_vjp():
    problem = PROBLEMS["nonsymmetric_root"]
    thetahat = build_thetahat(problem)
    hessian = autograd.hessian(thetahat)(problem.eps0)
    assert relative_error(hessian, problem.exact(2)) < TOLERANCE
    vjp, value = autograd.make_vjp(thetahat)(problem.eps0)
    onp.testing.assert_array_equal(value, problem.theta0)
    expected = onp.dot(problem.cotangent, problem.exact(1))
    assert relative_error(vjp(problem.cotangent), expected) < TOLERANCE
