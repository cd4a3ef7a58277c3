"""The solved system G(theta0, eps0) = 0: checks, flattening and the factorization.

Both the primitive and the Taylor reference start here, so they accept the
same inputs and raise the same errors.
"""

import warnings
from collections.abc import Callable

import autograd
import autograd.numpy as np
import numpy as onp
from autograd.tracer import getval, isbox

from ._inputs import Options, as_float_array, check_finite
from .errors import (
    IllConditionedWarning,
    InputTypeError,
    NotAMinimumWarning,
    NotASolutionError,
    NotPositiveDefiniteError,
    ResidualWarning,
    ShapeError,
    SingularJacobianError,
    TracedInputError,
)
from .linear_solve import Factorization, jvp_by_reverse_mode, jvp_in, make_solves, vjp_in


class ImplicitSystem:
    """An estimating equation with a checked solution and factored dG/dtheta.

    Parameters
    ----------
    estimating_equation : callable
        ``G(theta, eps)``, written with ``autograd.numpy``, returning an array
        of theta's shape.
    theta0 : float or array, shape theta_shape
        Solution of ``G(theta0, eps0) = 0``.
    eps0 : float or array, shape eps_shape
        Hyperparameter at which theta0 was solved.
    options : Options
        Tolerances and the factorization method.
    from_objective : bool
        Whether G is the gradient of an objective, so dG/dtheta is a
        symmetric Hessian that should be positive definite.

    Raises
    ------
    InputTypeError, NonFiniteError, ShapeError, NotASolutionError,
    SingularJacobianError, NotPositiveDefiniteError, TracedInputError
        See :func:`implicit_optimum.make_thetahat`.
    """

    def __init__(
        self,
        estimating_equation: Callable,
        theta0,
        eps0,
        options: Options,
        from_objective: bool = False,
    ):
        if not callable(estimating_equation):
            raise InputTypeError(
                "estimating_equation must be a callable G(theta, eps), got "
                f"{type(estimating_equation).__name__}"
            )
        self.estimating_equation = estimating_equation
        self.options = options
        self.theta0 = as_float_array(theta0, "theta0")
        self.eps0 = as_float_array(eps0, "eps0")
        if self.theta0.size == 0:
            raise ShapeError(
                f"theta0 is empty (shape {self.theta0.shape}); pass at least one parameter"
            )
        # G receives these arrays directly, so a G that modifies its arguments
        # in place fails loudly instead of silently moving the base point.
        self.theta0.setflags(write=False)
        self.eps0.setflags(write=False)
        self.theta_shape = self.theta0.shape
        self.eps_shape = self.eps0.shape
        self.theta0_flat = self.theta0.reshape(-1)
        self.dim_theta = self.theta0.size
        self.dim_eps = self.eps0.size

        self.residual = self._evaluate_residual()
        jacobian = self._jacobian_theta()
        self.forward_mode_error = self._probe_forward_mode()
        self._jvp = jvp_in if self.forward_mode_error is None else jvp_by_reverse_mode
        self._check_solution(jacobian)
        self.factorization = self._factor(jacobian, from_objective)
        # Only a gradient G = dF/dtheta has a symmetric dG/dtheta at every
        # (theta, eps). A G that is merely symmetric at the base point still
        # needs separate rules for the transposed solve, because the
        # derivative of dG/dtheta need not be symmetric there.
        self.symmetric = from_objective
        self.solve, self.solve_transposed = make_solves(
            self.factorization, self.matvec, self.rmatvec, self.symmetric
        )

    # The linear algebra works on the flat form G(theta_flat, eps), a vector of
    # length d. Users pass and receive theta in its own shape.
    def g_flat(self, theta_flat, eps):
        if len(self.theta_shape) == 1:
            # The output shape was checked at construction; skipping the two
            # reshapes saves their cost at every level of nested derivatives.
            return self.estimating_equation(theta_flat, eps)
        theta = np.reshape(theta_flat, self.theta_shape)
        return np.reshape(self.estimating_equation(theta, eps), (-1,))

    def matvec(self, theta_flat, eps, direction):
        """Return ``dG/dtheta(theta, eps) @ direction`` (a jvp)."""
        return self._jvp(lambda theta_: self.g_flat(theta_, eps), theta_flat, direction)

    def rmatvec(self, theta_flat, eps, cotangent):
        """Return ``dG/dtheta(theta, eps).T @ cotangent`` (a reverse vjp)."""
        return vjp_in(lambda theta_: self.g_flat(theta_, eps), theta_flat, cotangent)

    def jvp_eps(self, theta_flat, eps, direction):
        """Return ``dG/deps(theta, eps) . direction`` without forming dG/deps."""
        return self._jvp(lambda eps_: self.g_flat(theta_flat, eps_), eps, direction)

    def vjp_eps(self, theta_flat, eps, cotangent):
        """Return ``dG/deps(theta, eps)^T cotangent``, with eps's shape."""
        return vjp_in(lambda eps_: self.g_flat(theta_flat, eps_), eps, cotangent)

    def _probe_forward_mode(self) -> NotImplementedError | None:
        """Return autograd's error if G has no forward-mode derivative, else None.

        Some autograd functions, such as numpy.linalg.inv and solve in
        autograd 1.9, have reverse-mode rules only. G built from them still
        gets exact derivatives of every order in reverse mode, through jvps
        computed as two vjps, but not in forward mode.
        """
        rng = onp.random.default_rng(0)
        theta_direction = rng.normal(size=self.dim_theta)
        eps_direction = rng.normal(size=self.eps_shape)
        try:
            jvp_in(lambda theta_: self.g_flat(theta_, self.eps0), self.theta0_flat, theta_direction)
            jvp_in(lambda eps_: self.g_flat(self.theta0_flat, eps_), self.eps0, eps_direction)
        except NotImplementedError as error:
            return error
        return None

    def _evaluate_residual(self) -> onp.ndarray:
        """Return G(theta0, eps0) after checking its type, shape and finiteness."""
        try:
            value = self.estimating_equation(self.theta0, self.eps0)
        except ValueError as error:
            if "read-only" not in str(error):
                raise
            raise InputTypeError(
                f"estimating_equation modifies its theta or eps argument in place ({error}). "
                "G must leave its arguments unchanged: write w = w / np.sum(w), not "
                "w /= np.sum(w)"
            ) from error
        if isbox(value):
            raise TracedInputError(
                "estimating_equation(theta0, eps0) depends on a variable that autograd is "
                "differentiating, reached through a closure or a global instead of the eps "
                "argument. thetahat differentiates only through eps, so this derivative "
                "would be silently zero. Pass the variable as (part of) eps; a tuple or "
                "dict eps is accepted"
            )
        if isinstance(value, onp.matrix):
            raise InputTypeError(
                "estimating_equation(theta0, eps0) returned a numpy.matrix, which autograd "
                "cannot differentiate; build G from arrays (numpy.asarray on its data)"
            )
        if isinstance(value, (list, tuple, dict)):
            raise InputTypeError(
                f"estimating_equation(theta0, eps0) returned a {type(value).__name__}, but "
                f"theta0 is an array of shape {self.theta_shape}; return an array of that "
                "shape (autograd.numpy.stack or autograd.numpy.array), or pass theta0 as a "
                "tuple or dict of the same layout"
            )
        try:
            residual = onp.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise InputTypeError(
                "estimating_equation(theta0, eps0) must return a float array, got "
                f"{type(value).__name__}"
            ) from None
        if residual.shape != self.theta_shape:
            hint = ""
            if residual.shape == () and self.theta0.size > 1:
                hint = (
                    ". If it is an objective F(theta, eps) returning a scalar, use "
                    "make_thetahat_from_objective or TaylorExpansion.from_objective"
                )
            raise ShapeError(
                f"estimating_equation(theta0, eps0) returned shape {residual.shape}, but "
                f"theta0 has shape {self.theta_shape}; G must return one equation per "
                f"element of theta (a square system) in theta's shape{hint}"
            )
        check_finite(residual, "estimating_equation(theta0, eps0)")
        self._output_dtype = getattr(getval(value), "dtype", onp.dtype(float))
        return residual

    def _check_solution(self, jacobian: onp.ndarray) -> None:
        """Raise or warn unless G(theta0, eps0) is small next to the size of G's terms.

        The scale, max_i (|dG/dtheta| |theta0| + |dG/deps . eps0|)_i, is the size
        of the first-order terms that must cancel in G at a solution; comparing
        with it keeps the check independent of the units of theta and eps.
        """
        theta_terms = onp.abs(jacobian) @ onp.abs(self.theta0_flat)
        eps_terms = onp.abs(
            onp.asarray(self.jvp_eps(self.theta0_flat, self.eps0, self.eps0), dtype=float)
        )
        scale = float(onp.max(theta_terms + eps_terms))
        tolerance = self.options.residual_tol * scale + self.options.residual_atol
        largest = float(onp.max(onp.abs(self.residual)))
        if largest <= tolerance:
            return
        precision_hint = ""
        if onp.issubdtype(self._output_dtype, onp.floating) and (
            onp.finfo(self._output_dtype).bits < 64
        ):
            precision_hint = (
                f" G returned {self._output_dtype} values, whose rounding alone can "
                "exceed the tolerance: compute G in float64."
            )
        message = (
            f"theta0 is not a solution: max |estimating_equation(theta0, eps0)| = "
            f"{largest:.3g} exceeds residual_tol x scale + residual_atol = {tolerance:.3g}, "
            f"where the scale {scale:.3g} is the size of G's first-order terms at "
            f"(theta0, eps0).{precision_hint} Solve to a tighter tolerance in float64, "
            "check that theta0 was fitted at this eps0, the sign of G, that G takes "
            "(theta, eps) in that order and that it is differentiable at theta0 (abs or "
            'max have kinks), or pass residual_tol=... or on_residual="warn" to accept '
            "this residual"
        )
        if self.options.on_residual == "raise":
            raise NotASolutionError(message)
        warnings.warn(message, ResidualWarning, stacklevel=4)

    def _jacobian_theta(self) -> onp.ndarray:
        try:
            jacobian = autograd.jacobian(lambda theta_: self.g_flat(theta_, self.eps0))(
                self.theta0_flat
            )
        except (TypeError, ValueError, AttributeError) as error:
            if "Box" not in str(error):
                raise
            raise InputTypeError(
                "autograd could not differentiate estimating_equation in theta: "
                f"{error}. Write G with autograd.numpy (import autograd.numpy as np), "
                "not plain numpy, math or scipy functions"
            ) from error
        jacobian = onp.asarray(jacobian, dtype=float)
        check_finite(jacobian, "dG/dtheta at (theta0, eps0)")
        return jacobian

    def _factor(self, jacobian: onp.ndarray, from_objective: bool) -> Factorization:
        method = self.options.factorization
        # A Hessian is symmetric by construction. Any other dG/dtheta is tested
        # entry by entry: a small nonzero entry opposite a zero one makes it
        # non-symmetric, whatever the scale of the matrix.
        symmetric = from_objective or onp.allclose(
            jacobian, jacobian.T, rtol=1e-10, atol=1e-14 * onp.max(onp.abs(jacobian))
        )
        if method == "cholesky" and not symmetric:
            asymmetry = float(onp.max(onp.abs(jacobian - jacobian.T)))
            raise ValueError(
                'factorization="cholesky" needs a symmetric dG/dtheta, but at (theta0, eps0) '
                f'max |J - J^T| = {asymmetry:.3g}. Pass factorization="lu" or "auto"'
            )
        if method == "lu" or (method == "auto" and not symmetric):
            factorization = Factorization(jacobian, "lu")
        elif method == "cholesky":
            factorization = Factorization(jacobian, "cholesky")
        else:
            try:
                factorization = Factorization(jacobian, "cholesky")
            except NotPositiveDefiniteError:
                if from_objective:
                    warnings.warn(
                        "the Hessian of the objective at theta0 is not positive "
                        "definite, so theta0 is not a strict local minimum; using LU. "
                        'Pass factorization="cholesky" to make this an error. If theta '
                        "stores a symmetric matrix in full, its antisymmetric directions "
                        "can cause this: parametrize the matrix by its free entries",
                        NotAMinimumWarning,
                        stacklevel=4,
                    )
                factorization = Factorization(jacobian, "lu")
        self._check_condition(factorization)
        return factorization

    def _check_condition(self, factorization: Factorization) -> None:
        condition = factorization.condition_estimate
        if not condition <= self.options.max_condition:
            raise SingularJacobianError(
                f"dG/dtheta at (theta0, eps0) is singular or numerically singular: "
                f"condition estimate {condition:.3g} exceeds max_condition="
                f"{self.options.max_condition:.3g}. theta is not locally identified; "
                "fix or remove redundant parameters, add regularization, or raise "
                "max_condition if you accept inaccurate derivatives"
            )
        if condition > self.options.warn_condition:
            warnings.warn(
                f"dG/dtheta at (theta0, eps0) is ill-conditioned (condition estimate "
                f"{condition:.3g} > warn_condition={self.options.warn_condition:.3g}); "
                "derivatives may lose about log10(condition) digits",
                IllConditionedWarning,
                stacklevel=4,
            )
