"""The self-differentiating optimum thetahat(eps), an autograd primitive."""

from collections.abc import Callable
from contextlib import contextmanager

import autograd
import autograd.numpy as np
import numpy as onp
from autograd.extend import defjvp, defvjp, primitive
from autograd.tracer import getval

from ._inputs import check_eps, parse_options
from .errors import ForwardModeError, ShapeError
from .structure import FlatProblem
from .system import ImplicitSystem


def make_thetahat(estimating_equation: Callable, theta0, eps0, **options) -> Callable:
    """Build thetahat(eps), the solution of ``G(theta, eps) = 0`` near (theta0, eps0).

    thetahat is an autograd primitive defined only at eps0, where it returns
    theta0. Its forward and reverse rules follow the implicit function theorem,
    ``dthetahat = -[dG/dtheta]^{-1} dG/deps . deps``, and call thetahat again,
    so ``grad``, ``jacobian``, ``hessian``, ``make_jvp`` and ``make_vjp`` work on
    it to any order in any composition of forward and reverse mode. dG/dtheta
    is formed and factored once, here; every other product is a jvp or vjp of
    G, so dG/deps is never formed.

    Parameters
    ----------
    estimating_equation : callable
        ``G(theta, eps)`` written with ``autograd.numpy``, returning an array
        of theta's shape. dG/dtheta must be invertible at (theta0, eps0).
    theta0 : float or array of shape theta_shape
        A solution of ``G(theta0, eps0) = 0``, found by any means.
    eps0 : float or array of shape eps_shape
        The hyperparameter at which theta0 was found.
    **options
        ``residual_tol`` (1e-8, relative), ``residual_atol`` (1e-14),
        ``on_residual`` ("raise" or "warn"), ``eps_tol`` (1e-10),
        ``warn_condition`` (1e8), ``max_condition`` (1e13) and
        ``factorization`` ("auto", "cholesky" or "lu"); see
        :class:`implicit_optimum.Options`.

    Returns
    -------
    thetahat : callable
        ``thetahat(eps)`` returns a new float64 array of theta_shape.
        Jacobians have shape ``theta_shape + eps_shape``. Integer and float32
        inputs are converted to float64. The attribute ``thetahat.system``
        contains the checked system and its factorization.

    Raises
    ------
    InputTypeError
        theta0 or eps0 is boolean, complex, a list, a numpy.matrix or not
        numeric; G is not callable, does not return an array or modifies its
        arguments in place.
    NonFiniteError
        theta0, eps0, G(theta0, eps0) or dG/dtheta contains NaN or inf.
    ShapeError
        G returns a shape other than theta0's; thetahat gets eps of another shape.
    NotASolutionError
        ``max |G(theta0, eps0)|`` exceeds ``residual_tol`` times the size of
        G's first-order terms plus ``residual_atol`` (unless
        ``on_residual="warn"``).
    TracedInputError
        theta0, eps0 or G(theta0, eps0) is being differentiated by an outer
        autograd call, for example through a closure parameter.
    ForwardModeError
        Forward mode through G is needed, but autograd has no forward-mode
        rule for a function G uses.
    SingularJacobianError
        The condition estimate of dG/dtheta exceeds ``max_condition``.
    NotPositiveDefiniteError
        ``factorization="cholesky"`` with a matrix that is not positive definite.
    EpsMismatchError
        thetahat is called, directly or under a differential operator, at an
        eps farther than ``eps_tol`` from eps0.
    """
    return _build_thetahat(estimating_equation, theta0, eps0, options, from_objective=False)


def make_thetahat_from_objective(objective: Callable, theta0, eps0, **options) -> Callable:
    """Build thetahat(eps) = argmin_theta F(theta, eps) near a minimizer theta0.

    The estimating equation is ``G = dF/dtheta``; its Jacobian, the Hessian of
    F, is factored by Cholesky. If the Hessian is not positive definite, the
    default ``factorization="auto"`` warns with
    :class:`NotAMinimumWarning` and uses LU, and ``factorization="cholesky"``
    raises :class:`NotPositiveDefiniteError`.

    Parameters
    ----------
    objective : callable
        ``F(theta, eps)`` returning a scalar, written with ``autograd.numpy``.
    theta0, eps0, **options
        As in :func:`make_thetahat`.

    Returns
    -------
    thetahat : callable
        As in :func:`make_thetahat`.
    """
    estimating_equation = gradient_of(objective, theta0, eps0)
    return _build_thetahat(estimating_equation, theta0, eps0, options, from_objective=True)


def gradient_of(objective: Callable, theta0=None, eps0=None) -> Callable:
    """Return ``G(theta, eps) = dF/dtheta`` for an objective ``F(theta, eps)``.

    When theta0 and eps0 are given, first check that ``objective(theta0, eps0)``
    is a scalar, so that passing a gradient by mistake gets a clear error.
    """
    if not callable(objective):
        raise TypeError(
            f"objective must be a callable F(theta, eps), got {type(objective).__name__}"
        )
    if theta0 is not None:
        value = getval(objective(theta0, eps0))
        shape = onp.shape(value)
        if isinstance(value, (list, tuple, dict)) or shape != ():
            if onp.size(value) == 1:
                fix = "Return a scalar, for example with np.sum(...) or value[0]"
            else:
                fix = (
                    "If this function is already the gradient (an estimating equation), "
                    "use make_thetahat or @estimating_equation instead"
                )
            raise ShapeError(
                f"objective(theta0, eps0) returned {type(value).__name__} of shape {shape}, "
                f"but an objective must return a scalar. {fix}"
            )
    return autograd.grad(objective, 0)


def _build_thetahat(estimating_equation, theta0, eps0, options, from_objective) -> Callable:
    parsed = parse_options(options)
    flat = FlatProblem.build(estimating_equation, theta0, eps0)
    if flat is None:
        system = ImplicitSystem(estimating_equation, theta0, eps0, parsed, from_objective)
        return _thetahat_from_system(system)
    system = ImplicitSystem(
        flat.estimating_equation, flat.theta0, flat.eps0, parsed, from_objective
    )
    flat_thetahat = _thetahat_from_system(system)

    def thetahat(eps):
        return flat.unflatten_theta(flat_thetahat(flat.flatten_eps(eps)))

    thetahat.system = system
    return thetahat


@contextmanager
def _explain_missing_forward_mode(system: ImplicitSystem):
    """Turn autograd's missing-jvp error inside a rule into a :class:`ForwardModeError`."""
    try:
        yield
    except NotImplementedError as error:
        if system.forward_mode_error is None or isinstance(error, ForwardModeError):
            raise
        raise ForwardModeError(
            "forward-mode differentiation of thetahat needs forward-mode derivatives of "
            f"estimating_equation, but autograd has none for a function it uses ({error}). "
            "Reverse mode (grad, jacobian, make_vjp) works to any order; for forward "
            "mode, rewrite G without that function"
        ) from error


def _thetahat_from_system(system: ImplicitSystem) -> Callable:
    theta_shape = system.theta_shape

    @primitive
    def thetahat(eps):
        check_eps(eps, system.eps0, system.options.eps_tol, "thetahat")
        return system.theta0.copy()

    def flat_thetahat(eps):
        return np.reshape(thetahat(eps), (-1,))

    # Both rules evaluate at thetahat(eps), not at a stored theta0, so that
    # the outer layers of a higher-order derivative see how theta moves too.
    def thetahat_jvp(eps_tangent, ans, eps):
        with _explain_missing_forward_mode(system):
            theta = flat_thetahat(eps)
            rhs = system.jvp_eps(theta, eps, eps_tangent)
            return np.reshape(-system.solve(theta, eps, rhs), theta_shape)

    def thetahat_vjp(ans, eps):
        def vjp(theta_cotangent):
            with _explain_missing_forward_mode(system):
                theta = flat_thetahat(eps)
                cotangent = np.reshape(theta_cotangent, (-1,))
                adjoint = system.solve_transposed(theta, eps, cotangent)
                return -system.vjp_eps(theta, eps, adjoint)

        return vjp

    defjvp(thetahat, thetahat_jvp)
    defvjp(thetahat, thetahat_vjp)
    thetahat.system = system
    return thetahat
