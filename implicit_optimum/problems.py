"""The benchmark's problems, each solved to a residual below 1e-10.

Each problem has an estimating equation G(theta, eps), a solution theta0 at
eps0, a fixed direction in eps and a fixed cotangent in theta, all seeded so
that runs are repeatable.
"""

from collections.abc import Callable
from dataclasses import dataclass

import autograd
import autograd.numpy as np
import numpy as onp

SOLVE_TOL = 1e-10


@dataclass
class Problem:
    """A solved problem for the benchmark.

    Attributes
    ----------
    name : str
        The name used by ``--problems``.
    description : str
        One line for tables and plots.
    estimating_equation : callable
        ``G(theta, eps)``.
    theta0, eps0 : numpy.ndarray
        The solved pair, with ``max |G(theta0, eps0)| < 1e-10``.
    direction : numpy.ndarray
        A fixed direction in eps, shape of eps0.
    cotangent : numpy.ndarray
        A fixed vector u in theta, for reverse mode, shape of theta0.
    linear_in_eps : bool
        Whether G is linear in eps (data weights).
    """

    name: str
    description: str
    estimating_equation: Callable
    theta0: onp.ndarray
    eps0: onp.ndarray
    direction: onp.ndarray
    cotangent: onp.ndarray
    linear_in_eps: bool

    @property
    def d(self) -> int:
        return int(self.theta0.size)

    @property
    def p(self) -> int:
        return int(self.eps0.size)


def newton_solve(
    estimating_equation: Callable, theta_start, eps0, tol: float = SOLVE_TOL, max_steps: int = 100
) -> onp.ndarray:
    """Solve ``G(theta, eps0) = 0`` by Newton's method with step halving.

    Raises
    ------
    RuntimeError
        When ``max |G|`` is still above ``tol`` after ``max_steps`` steps.
    """
    jacobian = autograd.jacobian(estimating_equation, 0)
    theta = onp.array(theta_start, dtype=float)
    residual = onp.asarray(estimating_equation(theta, eps0))
    for _ in range(max_steps):
        if onp.max(onp.abs(residual)) < tol:
            return theta
        step = onp.linalg.solve(jacobian(theta, eps0), residual)
        scale = 1.0
        while scale > 1e-8:
            candidate = theta - scale * step
            candidate_residual = onp.asarray(estimating_equation(candidate, eps0))
            if onp.linalg.norm(candidate_residual) < onp.linalg.norm(residual):
                break
            scale /= 2
        theta, residual = candidate, candidate_residual
    if onp.max(onp.abs(residual)) >= tol:
        raise RuntimeError(
            f"Newton's method stopped at max |G| = {onp.max(onp.abs(residual)):.3g} "
            f"after {max_steps} steps; tolerance {tol:.1g}"
        )
    return theta


def quintic(seed: int = 0) -> Problem:
    """Build the classic small example, d = 4, p = 3.

    F(theta, eps) = 1/2 theta^T A theta + mean(theta - 1/2)^5 mean(eps - 1/2)^5,
    A = M M^T + I for a seeded random M, eps0 = 0.
    """
    rng = onp.random.default_rng(seed)
    dim_theta, dim_eps = 4, 3
    factor = rng.normal(size=(dim_theta, dim_theta))
    matrix = factor @ factor.T + onp.eye(dim_theta)

    def objective(theta, eps):
        quadratic = 0.5 * np.dot(theta, np.dot(matrix, theta))
        return quadratic + np.mean(theta - 0.5) ** 5 * np.mean(eps - 0.5) ** 5

    estimating_equation = autograd.grad(objective, 0)
    eps0 = onp.zeros(dim_eps)
    theta0 = newton_solve(estimating_equation, onp.zeros(dim_theta), eps0)
    return Problem(
        name="quintic",
        description="quintic objective, d=4, p=3",
        estimating_equation=estimating_equation,
        theta0=theta0,
        eps0=eps0,
        direction=rng.normal(size=dim_eps),
        cotangent=rng.normal(size=dim_theta),
        linear_in_eps=False,
    )


def weighted_logistic_equation(features: onp.ndarray, labels: onp.ndarray, ridge: float):
    """Return G(theta, w) = X^T (w * (sigmoid(X theta) - y)) + ridge * theta.

    This is the gradient of ``sum_i w_i logloss_i(theta) + ridge / 2 |theta|^2``;
    it is linear in the weights w.
    """

    def estimating_equation(theta, weights):
        probabilities = 0.5 * (1.0 + np.tanh(0.5 * np.dot(features, theta)))
        return np.dot(weights * (probabilities - labels), features) + ridge * theta

    return estimating_equation


def _logistic_problem(name, description, features, labels, ridge, seed) -> Problem:
    rng = onp.random.default_rng(seed)
    estimating_equation = weighted_logistic_equation(features, labels, ridge)
    eps0 = onp.ones(features.shape[0])
    theta0 = newton_solve(estimating_equation, onp.zeros(features.shape[1]), eps0)
    return Problem(
        name=name,
        description=description,
        estimating_equation=estimating_equation,
        theta0=theta0,
        eps0=eps0,
        direction=rng.normal(size=eps0.shape),
        cotangent=rng.normal(size=theta0.shape),
        linear_in_eps=True,
    )


def breast_cancer_design(rows: int | None = None) -> tuple[onp.ndarray, onp.ndarray]:
    """Return scikit-learn's bundled breast-cancer data: standardized features
    with an intercept column (569 x 31) and 0/1 labels.

    ``rows`` keeps the first rows only, for fast tests.
    """
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError:
        raise ImportError(
            "the logistic_weights problem needs scikit-learn for its bundled "
            "breast-cancer data; install it with pip install -e '.[bench]'"
        ) from None
    data = load_breast_cancer()
    features, labels = data.data[:rows], data.target[:rows].astype(float)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    return onp.column_stack([onp.ones(features.shape[0]), features]), labels


def logistic_weights(rows: int | None = None, ridge: float = 1.0, seed: int = 1) -> Problem:
    """Build weighted logistic regression on the breast-cancer data, eps = data weights.

    d = 31 (30 standardized features and an intercept), p = 569, eps0 = 1,
    with a ridge term ``ridge / 2 |theta|^2``.
    """
    features, labels = breast_cancer_design(rows)
    return _logistic_problem(
        "logistic_weights",
        f"weighted logistic, breast cancer, d={features.shape[1]}, p={features.shape[0]}",
        features,
        labels,
        ridge,
        seed,
    )


def logistic_large(
    dim_theta: int = 100, rows: int = 5000, ridge: float = 1.0, seed: int = 2
) -> Problem:
    """Build weighted logistic regression on seeded synthetic data, d = 100, p = 5000."""
    rng = onp.random.default_rng(seed)
    features = rng.normal(size=(rows, dim_theta)) / onp.sqrt(dim_theta)
    true_theta = rng.normal(size=dim_theta) * 2.0
    labels = (rng.uniform(size=rows) < 1 / (1 + onp.exp(-features @ true_theta))).astype(float)
    return _logistic_problem(
        "logistic_large",
        f"weighted logistic, synthetic, d={dim_theta}, p={rows}",
        features,
        labels,
        ridge,
        seed,
    )


PROBLEMS = {
    "quintic": quintic,
    "logistic_weights": logistic_weights,
    "logistic_large": logistic_large,
}
QUICK_PROBLEMS = ("quintic", "logistic_weights")
