"""Every input check raises a clear error that names the argument and the fix."""

import warnings

import autograd
import autograd.numpy as np
import numpy as onp
import pytest

from implicit_optimum import TaylorExpansion, make_thetahat, make_thetahat_from_objective
from implicit_optimum.errors import (
    EpsMismatchError,
    IllConditionedWarning,
    InputTypeError,
    LinearityError,
    NonFiniteError,
    NotAMinimumWarning,
    NotASolutionError,
    NotPositiveDefiniteError,
    ResidualWarning,
    ShapeError,
    SingularJacobianError,
    TracedInputError,
)


def cube(theta, eps):
    return theta**3 - eps


def linear_system(matrix):
    def estimating_equation(theta, eps):
        return np.dot(matrix, theta) - eps

    return estimating_equation


@pytest.fixture
def thetahat():
    return make_thetahat(cube, 2.0, 8.0)


def test_eps_away_from_eps0_direct(thetahat):
    with pytest.raises(EpsMismatchError, match=r"defined only at eps0.*differs from eps0 by 1"):
        thetahat(9.0)


def test_eps_away_from_eps0_under_grad(thetahat):
    with pytest.raises(EpsMismatchError, match="defined only at eps0"):
        autograd.grad(thetahat)(8.5)


def test_eps_away_from_eps0_under_make_jvp(thetahat):
    with pytest.raises(EpsMismatchError, match="TaylorExpansion.series"):
        autograd.make_jvp(thetahat)(7.0)(1.0)


def test_eps_within_tolerance_accepted(thetahat):
    assert thetahat(8.0 + 1e-12) == 2.0


def test_eps_tolerance_option():
    thetahat = make_thetahat(cube, 2.0, 8.0, eps_tol=1e-3)
    assert thetahat(8.001) == 2.0
    with pytest.raises(EpsMismatchError, match="tolerance 0.001"):
        thetahat(8.1)


def test_eps_wrong_shape():
    thetahat = make_thetahat(lambda theta, eps: theta - np.sum(eps), 3.0, onp.ones(3))
    with pytest.raises(ShapeError, match=r"eps has shape \(2,\) but eps0 has shape \(3,\)"):
        thetahat(onp.ones(2))


def test_failed_call_leaves_thetahat_usable(thetahat):
    with pytest.raises(EpsMismatchError):
        thetahat(9.0)
    assert autograd.grad(thetahat)(8.0) == pytest.approx(1 / 12)


def test_not_a_solution_shows_residual():
    with pytest.raises(
        NotASolutionError, match=r"max \|estimating_equation\(theta0, eps0\)\| = 0.001"
    ):
        make_thetahat(cube, 2.0, 8.001)


def test_residual_tolerance_option():
    thetahat = make_thetahat(cube, 2.0, 8.001, residual_tol=1e-2)
    assert thetahat(8.001) == 2.0


def test_residual_warning_mode():
    with pytest.warns(ResidualWarning, match="not a solution"):
        thetahat = make_thetahat(cube, 2.0, 8.001, on_residual="warn")
    assert thetahat(8.001) == 2.0


def test_output_shape_differs_from_theta():
    def estimating_equation(theta, eps):
        return np.concatenate([theta, theta]) * 0.0

    with pytest.raises(ShapeError, match=r"returned shape \(4,\), but theta0 has shape \(2,\)"):
        make_thetahat(estimating_equation, onp.zeros(2), 0.0)


def test_scalar_output_for_vector_theta():
    with pytest.raises(ShapeError, match=r"returned shape \(\), but theta0 has shape \(2,\)"):
        make_thetahat(lambda theta, eps: np.sum(theta) - eps, onp.zeros(2), 0.0)


def test_singular_jacobian():
    singular = onp.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(SingularJacobianError, match="condition estimate inf"):
        make_thetahat(linear_system(singular), onp.zeros(2), onp.zeros(2))


def test_numerically_singular_jacobian_shows_condition():
    nearly = onp.array([[1.0, 0.0], [0.0, 1e-15]])
    with pytest.raises(SingularJacobianError, match=r"condition estimate 1e\+15 exceeds"):
        make_thetahat(linear_system(nearly), onp.zeros(2), onp.zeros(2))


def test_ill_conditioned_jacobian_warns_and_works():
    matrix = onp.array([[1.0, 0.0], [0.0, 1e-10]])
    with pytest.warns(IllConditionedWarning, match=r"condition estimate 1e\+10"):
        thetahat = make_thetahat(linear_system(matrix), onp.zeros(2), onp.zeros(2))
    jacobian = autograd.jacobian(thetahat)(onp.zeros(2))
    onp.testing.assert_allclose(jacobian, onp.diag([1.0, 1e10]), rtol=1e-5)


@pytest.mark.parametrize(
    "theta0, eps0, name",
    [(onp.nan, 8.0, "theta0"), (2.0, onp.inf, "eps0"), (onp.array([2.0, onp.nan]), 8.0, "theta0")],
)
def test_non_finite_inputs(theta0, eps0, name):
    with pytest.raises(NonFiniteError, match=f"{name} contains 1 non-finite value"):
        make_thetahat(lambda theta, eps: theta**3 - eps, theta0, eps0)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_output():
    with pytest.raises(NonFiniteError, match=r"estimating_equation\(theta0, eps0\) contains"):
        make_thetahat(lambda theta, eps: theta / 0.0, 0.0, 1.0)


@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
def test_non_finite_jacobian():
    with pytest.raises(NonFiniteError, match="dG/dtheta"):
        make_thetahat(lambda theta, eps: np.sqrt(theta) - eps, 0.0, 0.0)


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "dtype bool"),
        (2.0 + 0j, "complex dtype"),
        ([2.0], "got a list"),
        ("2.0", "must be numeric"),
    ],
)
def test_rejected_theta0_types(value, message):
    with pytest.raises(InputTypeError, match=message):
        make_thetahat(cube, value, 8.0)


def test_integer_inputs_become_float64():
    thetahat = make_thetahat(cube, 2, 8)
    value = thetahat(8)
    assert value.dtype == onp.float64
    assert autograd.grad(thetahat)(8.0) == pytest.approx(1 / 12)


def test_float32_inputs_become_float64():
    thetahat = make_thetahat(cube, onp.float32(2.0), onp.float32(8.0))
    assert thetahat(8.0).dtype == onp.float64


def test_estimating_equation_not_callable():
    with pytest.raises(InputTypeError, match="must be a callable"):
        make_thetahat("cube", 2.0, 8.0)


def test_unknown_option():
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['tol'\]"):
        make_thetahat(cube, 2.0, 8.0, tol=1e-3)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"residual_tol": -1.0}, "residual_tol must be a positive number"),
        ({"on_residual": "ignore"}, "on_residual must be one of"),
        ({"factorization": "qr"}, "factorization must be one of"),
    ],
)
def test_invalid_option_values(options, message):
    with pytest.raises(ValueError, match=message):
        make_thetahat(cube, 2.0, 8.0, **options)


def saddle(theta, eps):
    return theta[0] ** 2 - theta[1] ** 2 + eps * theta[0]


def test_objective_not_positive_definite_falls_back_to_lu():
    with pytest.warns(NotAMinimumWarning, match="not positive definite"):
        thetahat = make_thetahat_from_objective(saddle, onp.zeros(2), 0.0)
    assert thetahat.system.factorization.method == "lu"
    onp.testing.assert_allclose(autograd.jacobian(thetahat)(0.0), [-0.5, 0.0])


def test_objective_cholesky_required_raises():
    with pytest.raises(NotPositiveDefiniteError, match='factorization="lu"'):
        make_thetahat_from_objective(saddle, onp.zeros(2), 0.0, factorization="cholesky")


def test_instances_are_independent():
    first = make_thetahat(cube, 2.0, 8.0)
    second = make_thetahat(lambda theta, eps: theta**2 - eps, 3.0, 9.0)
    assert autograd.grad(first)(8.0) == pytest.approx(1 / 12)
    assert autograd.grad(second)(9.0) == pytest.approx(1 / 6)
    with pytest.raises(EpsMismatchError):
        first(9.0)


def test_taylor_rejects_false_linearity():
    with pytest.raises(LinearityError, match="not linear in eps"):
        TaylorExpansion(
            lambda theta, eps: theta**3 - eps**2, 2.0, onp.sqrt(8.0), 2, linear_in_eps=True
        )


def test_taylor_rejects_bad_order():
    with pytest.raises(ValueError, match="order must be a positive integer, got 0"):
        TaylorExpansion(cube, 2.0, 8.0, 0)


def test_taylor_rejects_direction_shape():
    expansion = TaylorExpansion(lambda theta, eps: theta - np.sum(eps), 3.0, onp.ones(3), 2)
    with pytest.raises(ShapeError, match=r"direction has shape \(2,\) but eps0 has shape \(3,\)"):
        expansion.derivatives(onp.ones(2))


def test_taylor_rejects_order_above_construction():
    expansion = TaylorExpansion(cube, 2.0, 8.0, 2)
    with pytest.raises(ValueError, match="order=3 exceeds the order 2"):
        expansion.derivatives(1.0, order=3)


def test_no_warning_for_well_posed_problem():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        thetahat = make_thetahat(cube, 2.0, 8.0)
        autograd.grad(autograd.grad(thetahat))(8.0)


def test_cholesky_rejects_non_symmetric_jacobian():
    matrix = onp.array([[2.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"needs a symmetric dG/dtheta.*max \|J - J\^T\| = 1"):
        make_thetahat(linear_system(matrix), onp.zeros(2), onp.zeros(2), factorization="cholesky")


def test_badly_scaled_non_symmetric_jacobian():
    # The 1e-9 entry opposite a zero makes this non-symmetric despite its scale.
    matrix = onp.array([[1e3, 0.0], [1e-9, 1e-3]])
    thetahat = make_thetahat(linear_system(matrix), onp.zeros(2), onp.zeros(2))
    assert thetahat.system.factorization.method == "lu"
    jacobian = autograd.jacobian(thetahat)(onp.zeros(2))
    onp.testing.assert_allclose(jacobian, onp.linalg.inv(matrix), rtol=1e-12)


@pytest.mark.parametrize(
    "estimating_equation, theta0",
    [
        # Affine in eps at theta0 = 1 only: D^2_eps G = 2 (theta - 1).
        (lambda theta, eps: theta - 1.0 - eps + (theta - 1.0) * eps**2, 1.0),
        # Zero second derivative at eps0 = 0, but a third.
        (lambda theta, eps: theta - eps - eps**3, 0.0),
    ],
    ids=["theta-dependent", "cubic"],
)
def test_taylor_rejects_hidden_nonlinearity(estimating_equation, theta0):
    with pytest.raises(LinearityError, match="not linear in eps"):
        TaylorExpansion(estimating_equation, theta0, 0.0, 3, linear_in_eps=True)


def test_traced_structured_theta0_rejected():
    def fit(value):
        return make_thetahat(lambda theta, eps: (theta[0] - eps,), (value,), value)(value)[0]

    with pytest.raises(TracedInputError, match=r"theta0\[0\] is being differentiated"):
        autograd.grad(fit)(1.0)


def test_boolean_leaf_in_structured_direction():
    expansion = TaylorExpansion(
        lambda theta, eps: theta - eps["a"] - eps["b"], 2.0, {"a": 1.0, "b": 1.0}, 1
    )
    with pytest.raises(InputTypeError, match=r"direction\['b'\] must be a real float array"):
        expansion.derivatives({"a": 1.0, "b": True})


def test_naive_rejects_structured_parameters():
    from implicit_optimum import make_naive_thetahat

    with pytest.raises(InputTypeError, match="accepts arrays only"):
        make_naive_thetahat(lambda theta, eps: (theta[0] - eps,), (1.0,), 1.0)
