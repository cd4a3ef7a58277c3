"""The methods that the benchmark compares, each set up once and then run.

Every method computes, for a problem, an order k and a mode:

- forward: theta_k = d^k/dt^k thetahat(eps0 + t * direction) at t = 0, flat;
- reverse: the gradient in eps of u . D^{k-1} thetahat(eps0)[direction, ...],
  a vector of eps0's size (u is the problem's cotangent).

``prepare_method`` returns a :class:`PreparedMethod`, or None where a method
has no such mode or is not installed.
"""

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import autograd
import autograd.numpy as np
import numpy as onp

from ._inputs import parse_options
from .naive import make_naive_thetahat
from .primitive import _thetahat_from_system
from .problems import Problem
from .system import ImplicitSystem
from .taylor import TaylorExpansion

METHODS = ("naive", "primitive", "taylor", "vittles", "floor")
REVERSE_METHODS = ("naive", "primitive")


class CountingFunction:
    """Wrap G(theta, eps) and count its Python-level calls (traced calls included)."""

    def __init__(self, function: Callable):
        self.function = function
        self.count = 0

    def __call__(self, theta, eps):
        self.count += 1
        return self.function(theta, eps)


@dataclass
class PreparedMethod:
    """A method set up for one problem, order and mode, ready to run and time."""

    name: str
    setup_seconds: float
    compute: Callable[[], onp.ndarray]
    counter: CountingFunction
    solve_count: Callable[[], int]
    factors_each_solve: bool
    computes_derivative: bool = True

    def run(self) -> onp.ndarray:
        """Compute the result, flattened."""
        return onp.asarray(self.compute(), dtype=float).reshape(-1)

    def run_counted(self) -> tuple[onp.ndarray, dict]:
        """Compute the result and count the G evaluations, solves and factorizations."""
        g_evals_before, solves_before = self.counter.count, self.solve_count()
        result = self.run()
        solves = self.solve_count() - solves_before
        counts = {
            "g_evals": self.counter.count - g_evals_before,
            "solves": solves,
            # One factorization at setup, or a fresh one inside every solve.
            "factorizations": solves if self.factors_each_solve else 1,
        }
        return result, counts


def nested_jvp(function: Callable, direction, times: int) -> Callable:
    """Return eps -> D^times function(eps)[direction, ..., direction] by nested forward mode."""
    for _ in range(times):
        function = _jvp_along(function, direction)
    return function


def _jvp_along(function: Callable, direction) -> Callable:
    def derivative(eps):
        return autograd.make_jvp(function)(eps)(direction)[1]

    return derivative


def vittles_available() -> bool:
    try:
        import vittles  # noqa: F401
    except ImportError:
        return False
    return True


def prepare_method(name: str, problem: Problem, order: int, mode: str) -> PreparedMethod | None:
    """Set up ``name`` for one problem, order and mode; None if it does not apply."""
    if mode == "reverse" and name not in REVERSE_METHODS:
        return None
    if name == "vittles" and not vittles_available():
        return None
    counting = CountingFunction(problem.estimating_equation)
    start = time.perf_counter()
    compute, solve_count = _BUILDERS[name](counting, problem, order, mode)
    setup_seconds = time.perf_counter() - start
    return PreparedMethod(
        name,
        setup_seconds,
        compute,
        counting,
        solve_count,
        factors_each_solve=name == "naive",
        computes_derivative=name != "floor" or order == 1,
    )


def _system(counting: CountingFunction, problem: Problem) -> ImplicitSystem:
    return ImplicitSystem(counting, problem.theta0, problem.eps0, parse_options({}))


def _differentiate_thetahat(thetahat: Callable, problem: Problem, order: int, mode: str):
    """Return a function computing the forward or reverse target with ``thetahat``."""
    if mode == "forward":
        derivative = nested_jvp(thetahat, problem.direction, order)
        return lambda: derivative(problem.eps0)
    directional = nested_jvp(thetahat, problem.direction, order - 1)
    cotangent = problem.cotangent

    def scalar(eps):
        return np.sum(cotangent * directional(eps))

    gradient = autograd.grad(scalar)
    return lambda: gradient(problem.eps0)


def _build_primitive(counting, problem, order, mode):
    system = _system(counting, problem)
    thetahat = _thetahat_from_system(system)
    run = _differentiate_thetahat(thetahat, problem, order, mode)
    return run, lambda: system.factorization.solve_count


def _build_naive(counting, problem, order, mode):
    thetahat = make_naive_thetahat(counting, problem.theta0, problem.eps0)
    run = _differentiate_thetahat(thetahat, problem, order, mode)
    return run, lambda: thetahat.dense_solve.count


def _build_taylor(counting, problem, order, mode):
    expansion = TaylorExpansion(
        counting, problem.theta0, problem.eps0, order, linear_in_eps=problem.linear_in_eps
    )

    def run():
        return expansion.derivatives(problem.direction)[-1]

    return run, lambda: expansion.system.factorization.solve_count


def _build_floor(counting, problem, order, mode):
    """Set up the lower bound: one factorization, k solves and k jvps of G at the base point.

    No method that computes k orders does less, so its time is a lower bound.
    """
    system = _system(counting, problem)
    theta0, eps0 = system.theta0_flat, system.eps0

    def run():
        # The first pass is theta_1 exactly; later passes only stand in for
        # the work of orders 2..k, so their value is not a derivative.
        rhs = system.jvp_eps(theta0, eps0, problem.direction)
        solution = -system.factorization.solve(rhs)
        for _ in range(order - 1):
            rhs = system.matvec(theta0, eps0, solution)
            solution = -system.factorization.solve(rhs)
        return solution

    return run, lambda: system.factorization.solve_count


def _build_vittles(counting, problem, order, mode):
    from vittles import ParametricSensitivityTaylorExpansion

    system = _system(counting, problem)
    factorization = system.factorization

    def hess_solver(vector):
        return factorization.solve(vector)

    with warnings.catch_warnings():
        # vittles warns that its Taylor expansion and max_hyper_order are experimental.
        warnings.simplefilter("ignore", UserWarning)
        expansion = ParametricSensitivityTaylorExpansion(
            estimating_equation=system.g_flat,
            input_val0=system.theta0_flat,
            hyper_val0=system.eps0,
            order=order,
            hess_solver=hess_solver,
            max_hyper_order=1 if problem.linear_in_eps else None,
        )

    def run():
        return expansion.evaluate_input_derivs(problem.direction, max_order=order)[-1]

    return run, lambda: factorization.solve_count


_BUILDERS = {
    "naive": _build_naive,
    "primitive": _build_primitive,
    "taylor": _build_taylor,
    "vittles": _build_vittles,
    "floor": _build_floor,
}


def reference_value(problem: Problem, order: int, mode: str) -> tuple[onp.ndarray, Callable]:
    """Return taylor's theta_k and a function that measures a result's relative difference.

    Forward results are compared elementwise with theta_k. A reverse result r
    is the gradient of u . D^{k-1} thetahat[direction^{k-1}], so its inner
    product with the direction must equal u . theta_k.
    """
    expansion = TaylorExpansion(
        problem.estimating_equation,
        problem.theta0,
        problem.eps0,
        order,
        linear_in_eps=problem.linear_in_eps,
    )
    theta_k = expansion.derivatives(problem.direction)[-1].reshape(-1)
    if mode == "forward":
        scale = max(float(onp.max(onp.abs(theta_k))), math.ulp(1.0))
        return theta_k, lambda result: float(onp.max(onp.abs(result - theta_k)) / scale)
    target = float(onp.dot(problem.cotangent.reshape(-1), theta_k))
    direction = problem.direction.reshape(-1)
    scale = max(abs(target), math.ulp(1.0))
    return theta_k, lambda result: abs(float(onp.dot(result, direction)) - target) / scale
