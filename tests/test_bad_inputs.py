"""A catalogue of bad or awkward inputs a statistician might pass, and what happens.

Each entry is one kind of input with the expected behaviour: an error of a
named class whose message matches a pattern, or, where the input is
legitimate, the correct result. The README's "Bad input" section lists the same
kinds.
"""

import math
import warnings
from dataclasses import dataclass

import autograd
import autograd.numpy as np
import numpy as onp
import pytest
import scipy.optimize

import implicit_optimum
from implicit_optimum import TaylorExpansion, make_thetahat, make_thetahat_from_objective
from implicit_optimum.errors import (
    EpsMismatchError,
    IllConditionedWarning,
    InputTypeError,
    NonFiniteError,
    NotASolutionError,
    ResidualWarning,
    ShapeError,
    SingularJacobianError,
    TracedInputError,
)


def cube(theta, eps):
    return theta**3 - eps


large_data = 1e8 + onp.random.default_rng(0).normal(size=1000)


def cube_root_derivative(eps, k):
    value = eps ** (1 / 3 - k)
    for i in range(k):
        value *= 1 / 3 - i
    return value


def cube_thetahat():
    return make_thetahat(cube, 2.0, 8.0)


@dataclass
class Case:
    """One kind of input: ``run()`` either raises ``error`` matching ``message``,
    or returns a value that ``check(value)`` accepts."""

    kind: str
    run: object
    error: type = None
    message: str = ""
    check: object = None
    warning: type = None


def linear_equation(matrix):
    return lambda theta, eps: np.dot(matrix, theta) - eps


def ill_conditioned_case():
    rng = onp.random.default_rng(0)
    rotation, _ = onp.linalg.qr(rng.normal(size=(3, 3)))
    matrix = rotation @ onp.diag([1.0, 1e-5, 1e-10]) @ rotation.T
    thetahat = make_thetahat(linear_equation(matrix), onp.zeros(3), onp.zeros(3))
    computed = autograd.jacobian(thetahat)(onp.zeros(3))
    return computed, onp.linalg.inv(matrix)


def bisection_theta0():
    # brentq works on plain floats: its own derivative is meaningless, but the
    # implicit rule only needs the value.
    theta0 = scipy.optimize.brentq(lambda theta: theta**3 - 8.0, 0.0, 5.0, xtol=1e-14)
    thetahat = make_thetahat(cube, theta0, 8.0)
    return autograd.grad(autograd.grad(thetahat))(8.0)


def table_lookup_theta0():
    grid = onp.linspace(1.0, 3.0, 2001)
    theta0 = float(onp.interp(8.0, grid**3, grid))  # exact at the grid point 2.0
    thetahat = make_thetahat(cube, theta0, 8.0, residual_tol=1e-6)
    return autograd.grad(autograd.grad(autograd.grad(thetahat)))(8.0)


def minimize_theta0():
    def objective(theta, penalty):
        return np.sum((theta - 1.0) ** 2) + penalty * np.sum(theta**4)

    result = scipy.optimize.minimize(
        lambda theta: float(objective(theta, 0.5)),
        onp.zeros(2),
        jac=lambda theta: autograd.grad(objective)(theta, 0.5),
        method="BFGS",
        options={"gtol": 1e-12},
    )
    thetahat = make_thetahat_from_objective(objective, result.x, 0.5, residual_tol=1e-7)
    # Per coordinate 2 (t - 1) + 4 penalty t^3 = 0, so dt/dpenalty = -4 t^3 / (2 + 12 penalty t^2).
    theta = result.x[0]
    expected = -4 * theta**3 / (2 + 12 * 0.5 * theta**2)
    return autograd.jacobian(thetahat)(0.5), onp.full(2, expected)


def nested_optima():
    inner = make_thetahat(cube, 2.0, 8.0)  # eps^(1/3)

    def outer_equation(theta, eps):
        return theta - inner(eps) ** 2  # theta = eps^(2/3)

    outer = make_thetahat(outer_equation, 4.0, 8.0)
    third_reverse = autograd.grad(autograd.grad(autograd.grad(outer)))(8.0)
    forward = lambda f: lambda e: autograd.make_jvp(f)(e)(1.0)[1]  # noqa: E731
    third_mixed = forward(autograd.grad(forward(outer)))(8.0)
    expected = (2 / 3) * (-1 / 3) * (-4 / 3) * 8.0 ** (2 / 3 - 3)
    return (third_reverse, third_mixed), expected


def structured_parameters():
    def estimating_equation(theta, eps):
        mean, log_scale = theta
        return (mean - eps["shift"], np.exp(log_scale) - eps["scale"])

    thetahat = make_thetahat(estimating_equation, (1.0, 0.0), {"shift": 1.0, "scale": 1.0})
    gradient = autograd.grad(lambda eps: thetahat(eps)[1])({"shift": 1.0, "scale": 1.0})
    by_scalar = autograd.grad(lambda s: thetahat({"shift": 1.0, "scale": s})[1])(1.0)
    return gradient, by_scalar


def closure_parameter():
    def fit(penalty):
        # The penalty reaches G through a closure, not through eps.
        def estimating_equation(theta, eps):
            return theta - penalty * eps

        return make_thetahat(estimating_equation, 2.0, 1.0)(1.0)

    return autograd.grad(fit)(2.0)


def traced_eps0():
    def fit(eps):
        return make_thetahat(cube, 2.0, eps)(eps)

    return autograd.grad(fit)(8.0)


def math_module_equation():
    return make_thetahat(lambda theta, eps: math.sin(theta) - eps, 0.0, 0.0)


def numpy_ufunc_equation():
    # autograd boxes dispatch numpy ufuncs such as numpy.sin to autograd.
    thetahat = make_thetahat(lambda theta, eps: onp.sin(theta) - eps, 0.5, onp.sin(0.5))
    return autograd.grad(thetahat)(onp.sin(0.5))


def reverse_only_equation():
    # numpy.linalg.inv has no forward-mode rule in autograd 1.9 (vittles, when
    # imported, registers one), so thetahat may take its jvps as two vjps.
    def estimating_equation(theta, eps):
        return np.dot(np.linalg.inv(np.diag(theta)), np.ones(1)) - eps

    thetahat = make_thetahat(estimating_equation, onp.array([1 / 8.0]), 8.0)
    return autograd.grad(autograd.grad(lambda eps: thetahat(eps)[0]))(8.0)


def float32_equation(theta, eps):
    # float32(sqrt(2))^2 - 2 is about -1.2e-7 in float32 arithmetic.
    return theta.astype(onp.float32) ** 2 - eps.astype(onp.float32)


def in_place_equation(theta, weights):
    weights /= np.sum(weights)
    return np.sum(weights * (theta - onp.arange(3.0)))


def approx(expected, rel=1e-9):
    return lambda value: onp.allclose(value, expected, rtol=rel, atol=0.0)


CATALOGUE = [
    Case("theta0 from a loose optimizer", lambda: make_thetahat(cube, 2.0001, 8.0),
         NotASolutionError, r"not a solution: max \|.*\| = 0.0012"),
    Case("theta0 solves G with the wrong sign", lambda: make_thetahat(cube, -2.0, 8.0),
         NotASolutionError, "the sign of G"),
    Case("small residual accepted in warning mode",
         lambda: make_thetahat(cube, 2.0001, 8.0, on_residual="warn")(8.0),
         check=approx(2.0001), warning=ResidualWarning),
    Case("singular dG/dtheta", lambda: make_thetahat(
        linear_equation(onp.array([[1.0, 2.0], [2.0, 4.0]])), onp.zeros(2), onp.zeros(2)),
         SingularJacobianError, "singular or numerically singular"),
    Case("rank-deficient dG/dtheta (a redundant parameter)", lambda: make_thetahat(
        lambda theta, eps: np.array([1.0, 1.0, 0.0]) * (theta[0] + theta[1] - eps)
        + np.array([0.0, 0.0, 1.0]) * theta[2], onp.array([0.5, 0.5, 0.0]), 1.0),
         SingularJacobianError, "not locally identified"),
    Case("ill-conditioned dG/dtheta, condition 1e10", ill_conditioned_case,
         check=lambda pair: onp.allclose(*pair, rtol=1e-5, atol=0.0)
         and onp.isfinite(pair[0]).all(), warning=IllConditionedWarning),
    Case("G returns more equations than parameters", lambda: make_thetahat(
        lambda theta, eps: np.concatenate([theta, theta]) - eps, onp.ones(2), 1.0),
         ShapeError, r"returned shape \(4,\), but theta0 has shape \(2,\)"),
    Case("G returns a scalar for a vector theta", lambda: make_thetahat(
        lambda theta, eps: np.sum(theta) - eps, onp.ones(2), 2.0),
         ShapeError, r"returned shape \(\), but theta0 has shape \(2,\)"),
    Case("G returns a vector for a scalar theta", lambda: make_thetahat(
        lambda theta, eps: np.array([theta**3 - eps]), 2.0, 8.0),
         ShapeError, r"returned shape \(1,\), but theta0 has shape \(\)"),
    Case("G returns a list instead of an array", lambda: make_thetahat(
        lambda theta, eps: [theta[0] - eps, theta[1] - eps], onp.ones(2), 1.0),
         InputTypeError, "returned a list"),
    Case("theta0 given as a list", lambda: make_thetahat(cube, [2.0], 8.0),
         InputTypeError, "got a list; pass numpy.asarray"),
    Case("eps0 given as a list", lambda: make_thetahat(cube, 2.0, [8.0]),
         InputTypeError, "eps0 must be a float or a numpy array"),
    Case("eps away from eps0, called directly", lambda: cube_thetahat()(8.5),
         EpsMismatchError, "defined only at eps0"),
    Case("eps away from eps0 under grad", lambda: autograd.grad(cube_thetahat())(8.5),
         EpsMismatchError, "differs from eps0 by 0.5"),
    Case("eps away from eps0 under jacobian",
         lambda: autograd.jacobian(cube_thetahat())(7.0), EpsMismatchError, "defined only"),
    Case("eps away from eps0 under hessian",
         lambda: autograd.hessian(cube_thetahat())(7.0), EpsMismatchError, "defined only"),
    Case("eps away from eps0 under make_jvp",
         lambda: autograd.make_jvp(cube_thetahat())(7.0)(1.0), EpsMismatchError,
         "defined only"),
    Case("eps away from eps0 under make_vjp",
         lambda: autograd.make_vjp(cube_thetahat())(7.0), EpsMismatchError, "defined only"),
    Case("eps away from eps0 under elementwise_grad",
         lambda: autograd.elementwise_grad(cube_thetahat())(7.0), EpsMismatchError,
         "defined only"),
    Case("eps with another shape than eps0",
         lambda: make_thetahat(lambda t, e: t - np.sum(e), 2.0, onp.ones(2))(onp.ones(3)),
         ShapeError, r"eps has shape \(3,\) but eps0 has shape \(2,\)"),
    Case("eps given as a list when eps0 is an array",
         lambda: make_thetahat(lambda t, e: t - np.sum(e), 2.0, onp.ones(2))([1.0, 1.0]),
         InputTypeError, r"eps is a list, but eps0 is an array of shape \(2,\)"),
    Case("eps with complex dtype", lambda: cube_thetahat()(8.0 + 0j),
         InputTypeError, "eps must be a real float array"),
    Case("eps with boolean dtype",
         lambda: make_thetahat(lambda t, e: t - e, 1.0, 1.0)(True),
         InputTypeError, "got dtype bool"),
    Case("eps with NaN", lambda: cube_thetahat()(onp.nan), EpsMismatchError,
         "eps contains NaN or inf"),
    Case("integer theta0 and eps0 (converted to float64)",
         lambda: autograd.grad(make_thetahat(cube, 2, 8))(8.0),
         check=approx(cube_root_derivative(8.0, 1))),
    Case("float32 theta0 (converted to float64)",
         lambda: make_thetahat(cube, onp.float32(2.0), 8.0)(8.0).dtype,
         check=lambda dtype: dtype == onp.float64),
    Case("boolean theta0", lambda: make_thetahat(cube, True, 8.0), InputTypeError,
         "dtype bool"),
    Case("complex theta0", lambda: make_thetahat(cube, 2.0 + 0j, 8.0), InputTypeError,
         "complex dtype"),
    Case("NaN in theta0", lambda: make_thetahat(cube, onp.nan, 8.0), NonFiniteError,
         "theta0 contains 1 non-finite"),
    Case("inf in eps0", lambda: make_thetahat(cube, 2.0, onp.inf), NonFiniteError,
         "eps0 contains 1 non-finite"),
    Case("G is NaN at the base point", lambda: make_thetahat(
        lambda theta, eps: np.log(theta) - eps, -1.0, 0.0), NonFiniteError,
         r"estimating_equation\(theta0, eps0\) contains"),
    Case("a parameter reached through a closure", closure_parameter, TracedInputError,
         "closure or a global"),
    Case("eps0 itself being differentiated", traced_eps0, TracedInputError,
         "eps0 is being differentiated"),
    Case("G written with the math module", math_module_equation, InputTypeError,
         "Write G with autograd.numpy"),
    Case("G written with numpy ufuncs", numpy_ufunc_equation,
         check=approx(1 / onp.cos(0.5))),
    Case("theta0 from bisection (no derivative)", bisection_theta0,
         check=approx(cube_root_derivative(8.0, 2))),
    Case("theta0 from a table look-up (zero derivative)", table_lookup_theta0,
         check=approx(cube_root_derivative(8.0, 3))),
    Case("theta0 from scipy.optimize.minimize on raw floats", minimize_theta0,
         check=lambda pair: onp.allclose(*pair, rtol=1e-6)),
    Case("two thetahat primitives in one expression (nested optima)", nested_optima,
         check=lambda result: all(
             onp.isclose(value, result[1], rtol=1e-9) for value in result[0])),
    Case("tuple theta and dict eps", structured_parameters,
         check=lambda result: onp.isclose(result[0]["scale"], 1.0)
         and onp.isclose(result[0]["shift"], 0.0) and onp.isclose(result[1], 1.0)),
    Case("dict eps with a missing key",
         lambda: make_thetahat(lambda t, e: t - e["a"], 1.0, {"a": 1.0})({"b": 1.0}),
         ShapeError, r"has keys \['b'\] but \['a'\] were expected"),
    Case("non-integer Taylor order", lambda: TaylorExpansion(cube, 2.0, 8.0, 2.5),
         ValueError, "order must be a positive integer, got 2.5"),
    Case("a gradient passed where an objective is expected",
         lambda: make_thetahat_from_objective(lambda theta, eps: theta - eps, onp.ones(2), 1.0),
         ShapeError, "an objective must return a scalar.*use make_thetahat"),
    Case("eps0 rounded to float32 when calling thetahat",
         lambda: make_thetahat(lambda t, e: t - e, 0.1, 0.1)(onp.float32(0.1)),
         EpsMismatchError, "pass it in float64 or raise the eps_tol option"),
    Case("G with a function that has no forward-mode rule, under reverse mode",
         lambda: reverse_only_equation(),
         check=approx(2 / 8.0**3)),
    Case("theta0 = 0 from a solver that stopped at once, data of size 1e-9",
         lambda: make_thetahat(lambda t, e: np.sum(e * (t - 1e-9 * onp.arange(1.0, 6.0))),
                               0.0, onp.ones(5)),
         NotASolutionError, "the size of G's first-order terms"),
    Case("exact theta0 with data of size 1e8 (rounding residual)",
         lambda: autograd.grad(make_thetahat(
             lambda t, e: np.sum(e * (t - large_data)), onp.mean(large_data),
             onp.ones(large_data.size)))(onp.ones(large_data.size))[0],
         check=approx((large_data[0] - onp.mean(large_data)) / large_data.size, rel=1e-6)),
    Case("theta0 given as numpy.matrix", lambda: make_thetahat(
        cube, onp.matrix([[2.0]]), 8.0), InputTypeError, "numpy.matrix"),
    Case("G returns numpy.matrix", lambda: make_thetahat(
        lambda t, e: onp.matrix(t - e), onp.ones(2), onp.ones(2)), InputTypeError,
         "returned a numpy.matrix"),
    Case("objective returning an array of one element",
         lambda: make_thetahat_from_objective(
             lambda t, e: np.sum((t - e) ** 2) * np.ones(1), onp.ones(2), 1.0),
         ShapeError, r"must return a scalar. Return a scalar, for example with np.sum"),
    Case("decorator with options in parentheses",
         lambda: implicit_optimum.estimating_equation(residual_tol=1e-2)(cube)
         .thetahat(2.0, 8.001)(8.001),
         check=approx(2.0)),
    Case("decorator with a misspelled option",
         lambda: implicit_optimum.objective(tolerance=1e-3), TypeError, "valid options are"),
    Case("G normalizes its weights in place",
         lambda: make_thetahat(in_place_equation, 0.0, onp.ones(3)), InputTypeError,
         "modifies its theta or eps argument in place"),
    Case("G computed in float32",
         lambda: make_thetahat(float32_equation, onp.sqrt([2.0]), onp.array([2.0])),
         NotASolutionError, "G returned float32 values"),
    Case("misspelled option", lambda: make_thetahat(cube, 2.0, 8.0, residual_tolerance=1),
         TypeError, "valid options are"),
]  # fmt: skip


@pytest.mark.parametrize("case", CATALOGUE, ids=[case.kind for case in CATALOGUE])
def test_bad_input(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case.error is not None:
            with pytest.raises(case.error, match=case.message):
                case.run()
        else:
            value = case.run()
            assert case.check(value), value
    categories = {warning.category for warning in caught}
    if case.warning is not None:
        assert case.warning in categories
    if case.check is not None:
        # A legitimate input returns its result without numerical warnings.
        assert not any(issubclass(c, RuntimeWarning) for c in categories), categories


def test_catalogue_size():
    assert len(CATALOGUE) >= 25
