"""The correctness-baseline helper catches wrong implementations and passes right ones."""

import autograd.numpy as np
import numpy as onp
import pytest

from implicit_optimum.testing import SensitivityMismatchError, check_sensitivity


@pytest.fixture
def ridge():
    """G = X^T (X theta - y) + lambda theta; dG/dtheta depends on lambda."""
    rng = onp.random.default_rng(0)
    features, labels = rng.normal(size=(20, 3)), rng.normal(size=20)
    penalty0 = 0.5
    matrix = features.T @ features + penalty0 * onp.eye(3)
    theta0 = onp.linalg.solve(matrix, features.T @ labels)

    def estimating_equation(theta, penalty):
        return np.dot(features.T, np.dot(features, theta) - labels) + penalty * theta

    return estimating_equation, theta0, penalty0, matrix


def hand_derivatives(matrix, theta0, frozen):
    """d theta/d lambda = -M^{-1} theta; the second derivative is 2 M^{-2} theta,
    and freezing dG/dtheta (dropping dM/dlambda) loses the factor 2."""

    def derivatives(direction):
        first = -onp.linalg.solve(matrix, theta0) * direction
        factor = 1.0 if frozen else 2.0
        second = -factor * onp.linalg.solve(matrix, first) * direction
        return [first, second]

    return derivatives


def test_correct_derivatives_pass(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    report = check_sensitivity(
        hand_derivatives(matrix, theta0, frozen=False), estimating_equation, theta0, penalty0,
        order=2,
    )  # fmt: skip
    assert report.passed
    assert [c.label for c in report.comparisons] == [
        "order 1, direction 0", "order 2, direction 0",
        "order 1, direction 1", "order 2, direction 1",
    ]  # fmt: skip


def test_frozen_jacobian_is_caught_at_order_two(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    with pytest.raises(SensitivityMismatchError) as caught:
        check_sensitivity(
            hand_derivatives(matrix, theta0, frozen=True), estimating_equation, theta0,
            penalty0, order=2,
        )  # fmt: skip
    message = str(caught.value)
    assert "2 disagree" in message
    assert "order 2, direction 0" in message
    assert "MISMATCH" in message
    assert "order 1, direction 0            " in message


def test_report_without_raising(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    report = check_sensitivity(
        hand_derivatives(matrix, theta0, frozen=True), estimating_equation, theta0, penalty0,
        order=2, raise_on_failure=False,
    )  # fmt: skip
    assert not report.passed
    assert [c.label for c in report.failures()] == [
        "order 2, direction 0", "order 2, direction 1",
    ]  # fmt: skip
    assert report.failures()[0].max_rel_error == pytest.approx(0.5)


def test_jacobian_kind(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    correct = check_sensitivity(
        lambda eps: -onp.linalg.solve(matrix, theta0), estimating_equation, theta0, penalty0,
        kind="jacobian",
    )  # fmt: skip
    assert correct.passed
    with pytest.raises(SensitivityMismatchError, match="Jacobian"):
        check_sensitivity(
            lambda eps: onp.linalg.solve(matrix, theta0), estimating_equation, theta0, penalty0,
            kind="jacobian",
        )  # fmt: skip


def test_series_kind_catches_wrong_order_two(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    right = hand_derivatives(matrix, theta0, frozen=False)
    wrong = hand_derivatives(matrix, theta0, frozen=True)

    def series(derivatives):
        def approximate(eps):
            first, second = derivatives(eps - penalty0)
            return theta0 + first + second / 2

        return approximate

    assert check_sensitivity(
        series(right), estimating_equation, theta0, penalty0, kind="series", order=2,
        directions=[1.0],
    ).passed  # fmt: skip
    with pytest.raises(SensitivityMismatchError, match="series at eps0"):
        check_sensitivity(
            series(wrong), estimating_equation, theta0, penalty0, kind="series", order=2,
            directions=[1.0], rtol=1e-9,
        )  # fmt: skip


def test_wrong_shape_is_reported(ridge):
    estimating_equation, theta0, penalty0, _ = ridge
    with pytest.raises(
        SensitivityMismatchError, match=r"candidate has shape \(2,\), the reference"
    ):
        check_sensitivity(lambda direction: onp.zeros(2), estimating_equation, theta0, penalty0)


def test_reshaped_jacobian_fails():
    # Right values in the wrong layout must not pass: the Jacobian of a
    # 3-vector theta in a 4-vector eps has shape (3, 4), not (4, 3) or (12,).
    rng = onp.random.default_rng(5)
    matrix = rng.normal(size=(3, 3)) + 3 * onp.eye(3)
    coupling = rng.normal(size=(3, 4))

    def estimating_equation(theta, eps):
        return np.dot(matrix, theta) - np.dot(coupling, eps)

    jacobian = onp.linalg.solve(matrix, coupling)
    arguments = (estimating_equation, onp.zeros(3), onp.zeros(4))
    assert check_sensitivity(lambda eps: jacobian, *arguments, kind="jacobian").passed
    for wrong in (jacobian.reshape(4, 3), jacobian.reshape(-1)):
        with pytest.raises(SensitivityMismatchError, match=r"reference \(3, 4\)"):
            check_sensitivity(lambda eps, wrong=wrong: wrong, *arguments, kind="jacobian")


def test_too_few_derivatives(ridge):
    estimating_equation, theta0, penalty0, matrix = ridge
    with pytest.raises(ValueError, match="returned 1 derivatives but order=2"):
        check_sensitivity(
            lambda direction: [onp.zeros(3)], estimating_equation, theta0, penalty0, order=2
        )


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"kind": "hessian"}, "kind must be one of"),
        ({"order": 0}, "order must be a positive integer"),
        ({"kind": "jacobian", "order": 2}, 'kind="jacobian" checks the first derivative'),
    ],
)
def test_invalid_arguments(ridge, arguments, message):
    estimating_equation, theta0, penalty0, _ = ridge
    with pytest.raises(ValueError, match=message):
        check_sensitivity(lambda d: d, estimating_equation, theta0, penalty0, **arguments)


def test_series_of_scalar_theta_passes():
    # The library's own series for thetahat(eps) = eps^(1/3) must pass.
    from implicit_optimum import TaylorExpansion

    def cube(theta, eps):
        return theta**3 - eps

    expansion = TaylorExpansion(cube, 2.0, 8.0, 3)
    report = check_sensitivity(expansion.series, cube, 2.0, 8.0, kind="series", order=3)
    assert report.passed


def test_series_of_structured_theta_passes():
    from implicit_optimum import TaylorExpansion

    def equation(theta, eps):
        return (theta[0] - eps["s"] * eps["t"], theta[1] - theta[0] ** 2)

    arguments = (equation, (6.0, 36.0), {"s": 2.0, "t": 3.0})
    expansion = TaylorExpansion(*arguments, 2)
    assert check_sensitivity(expansion.series, *arguments, kind="series", order=2).passed
