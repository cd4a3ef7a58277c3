"""Linear solves with dG/dtheta: one factorization, reused at every order.

The solve u = S(theta, eps, rhs) with A(theta, eps) = dG/dtheta is an autograd
primitive. Its value uses factors of A computed once at the base point
(theta0, eps0), which is the only point where it is ever evaluated. Its
derivative rules carry the derivative of A itself:

    dS = S(theta, eps, d_rhs - dA u),   dA u = D[A(theta, eps) u](d_theta, d_eps),

and call S again, so derivatives of any order, forward or reverse, stay exact
with the one factorization. A frozen factorization without the dA term would
give wrong second derivatives.
"""

import warnings
from collections.abc import Callable

import numpy as onp
import scipy.linalg
from autograd.core import JVPNode, VJPNode, backward_pass
from autograd.extend import defjvp_argnums, defvjp_argnums, primitive, vspace
from autograd.tracer import getval, isbox, new_box, trace_stack

from .errors import NotPositiveDefiniteError

FACTORIZATION_METHODS = ("auto", "cholesky", "lu")


class Factorization:
    """Cholesky or LU factors of a dense square matrix, with solves.

    Parameters
    ----------
    matrix : numpy.ndarray, shape (d, d)
        The matrix to factor. It is not modified.
    method : {"cholesky", "lu"}
        ``"cholesky"`` requires a symmetric positive definite matrix and
        raises :class:`NotPositiveDefiniteError` otherwise.

    Attributes
    ----------
    method : str
        The factorization used.
    condition_estimate : float
        LAPACK's estimate of the 1-norm condition number (``inf`` when the
        matrix is exactly singular).
    solve_count : int
        Number of solves done with these factors, for benchmarks.
    """

    def __init__(self, matrix: onp.ndarray, method: str):
        matrix = onp.array(matrix, dtype=float)
        self.method = method
        self.solve_count = 0
        norm_1 = onp.linalg.norm(matrix, 1)
        if method == "cholesky":
            try:
                self._factors = scipy.linalg.cho_factor(matrix, lower=False)
            except onp.linalg.LinAlgError as error:
                raise NotPositiveDefiniteError(
                    "the matrix dG/dtheta is not positive definite, so Cholesky "
                    f"factorization failed ({error}); theta0 is not a strict "
                    'local minimum. Pass factorization="lu" to differentiate a '
                    "saddle point or maximum, or re-solve for a minimum."
                ) from None
            rcond, _ = scipy.linalg.lapack.dpocon(self._factors[0], norm_1, uplo="U")
        elif method == "lu":
            with warnings.catch_warnings():
                # An exactly singular matrix is reported below through its
                # condition estimate, with a message that names the argument.
                warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
                self._factors = scipy.linalg.lu_factor(matrix, check_finite=False)
            diagonal = onp.abs(onp.diag(self._factors[0]))
            if onp.any(diagonal == 0.0):
                rcond = 0.0
            else:
                rcond, _ = scipy.linalg.lapack.dgecon(self._factors[0], norm_1, norm="1")
        else:
            raise ValueError(f'factorization method must be "cholesky" or "lu", got {method!r}')
        self.condition_estimate = onp.inf if rcond == 0.0 else 1.0 / rcond

    def solve(self, rhs: onp.ndarray, transpose: bool = False) -> onp.ndarray:
        """Solve ``A x = rhs`` (or ``A.T x = rhs``) for a vector or matrix rhs."""
        self.solve_count += 1
        rhs = onp.asarray(rhs, dtype=float)
        # LAPACK's triangular solves are called directly: scipy's cho_solve and
        # lu_solve add checks whose cost dominates for small d.
        if self.method == "cholesky":
            solution, info = scipy.linalg.lapack.dpotrs(self._factors[0], rhs, lower=False)
        else:
            lu, pivots = self._factors
            solution, info = scipy.linalg.lapack.dgetrs(
                lu, pivots, rhs, trans=1 if transpose else 0
            )
        if info != 0:
            raise RuntimeError(f"LAPACK solve failed with info={info}")
        return solution


def _trace(start_node, function: Callable, point):
    """Trace ``function`` at ``point`` like autograd's ``trace``, but silently.

    Parts of G that do not depend on theta or eps (for example dG/dtheta of
    an equation linear in theta) are common here, so autograd's warning
    "Output seems independent of input" would only be noise.
    """
    with trace_stack.new_trace() as trace_id:
        start_box = new_box(point, trace_id, start_node)
        end_box = function(start_box)
        if isbox(end_box) and end_box._trace == start_box._trace:
            return end_box._value, end_box._node
        return end_box, None


def jvp_in(function: Callable, point, tangent):
    """Return the directional derivative of ``function`` at ``point`` along ``tangent``.

    Built on autograd's forward mode, so the result can be differentiated
    again in either mode.
    """
    end_value, end_node = _trace(JVPNode.new_root(tangent), function, point)
    if end_node is None:
        return vspace(end_value).zeros()
    return end_node.g


def jvp_by_reverse_mode(function: Callable, point, tangent):
    """Return the jvp of ``function`` along ``tangent`` from two vjps.

    ``w -> J^T w`` is linear, so its own vjp applied to the tangent is ``J
    tangent``. This works, and can be differentiated again in reverse mode,
    for functions that have no forward-mode rule in autograd.
    """
    output = function(getval(point))
    zeros = vspace(getval(output)).zeros()
    return vjp_in(lambda cotangent: vjp_in(function, point, cotangent), zeros, tangent)


def vjp_in(function: Callable, point, cotangent):
    """Return the vector-Jacobian product ``cotangent^T J(point)`` of ``function``."""
    _, end_node = _trace(VJPNode.new_root(), function, point)
    if end_node is None:
        return vspace(point).zeros()
    return backward_pass(cotangent, end_node)


def make_solves(
    factorization: Factorization,
    matvec: Callable,
    rmatvec: Callable,
    symmetric: bool,
):
    """Build the solve primitives ``S(theta, eps, rhs) = A(theta, eps)^{-1} rhs``.

    Parameters
    ----------
    factorization : Factorization
        Factors of A at the base point; every call is at that point.
    matvec, rmatvec : callable
        ``matvec(theta, eps, u)`` returns ``A(theta, eps) u`` and
        ``rmatvec(theta, eps, u)`` returns ``A(theta, eps)^T u``, as
        differentiable autograd functions of all three arguments. ``theta``
        and ``u`` are flat vectors of length d.
    symmetric : bool
        Whether A is symmetric, in which case one primitive serves both.

    Returns
    -------
    solve, solve_transposed : callable
        Autograd primitives of ``(theta, eps, rhs)`` returning a vector of
        length d.
    """

    @primitive
    def solve(theta, eps, rhs):
        return factorization.solve(rhs)

    if symmetric:
        solve_transposed = solve
    else:

        @primitive
        def solve_transposed(theta, eps, rhs):
            return factorization.solve(rhs, transpose=True)

    _define_solve_rules(solve, solve_transposed, matvec)
    if not symmetric:
        _define_solve_rules(solve_transposed, solve, rmatvec)
    return solve, solve_transposed


def _define_solve_rules(solve, adjoint_solve, product):
    """Attach forward and reverse rules to ``solve``, where ``product(theta, eps, u)``
    is the matrix that ``solve`` inverts applied to u, and ``adjoint_solve``
    inverts its transpose."""

    def solve_jvp(argnums, tangents, solution, args, kwargs):
        theta, eps, _ = args
        # Differentiating A u = rhs gives A du = d_rhs - dA u, with u held fixed
        # in dA u; the terms of all perturbed arguments share one solve.
        rhs_change = 0.0
        for argnum, tangent in zip(argnums, tangents, strict=True):
            if argnum == 0:
                rhs_change = rhs_change - jvp_in(
                    lambda theta_: product(theta_, eps, solution), theta, tangent
                )
            elif argnum == 1:
                rhs_change = rhs_change - jvp_in(
                    lambda eps_: product(theta, eps_, solution), eps, tangent
                )
            else:
                rhs_change = rhs_change + tangent
        return solve(theta, eps, rhs_change)

    def solve_vjp(argnums, solution, args, kwargs):
        theta, eps, _ = args

        def vjp(cotangent):
            # w = A^{-T} g is the cotangent of rhs; theta and eps receive
            # -(d(A u)/d arg)^T w.
            adjoint = adjoint_solve(theta, eps, cotangent)
            cotangents = []
            for argnum in argnums:
                if argnum == 0:
                    cotangents.append(
                        -vjp_in(lambda theta_: product(theta_, eps, solution), theta, adjoint)
                    )
                elif argnum == 1:
                    cotangents.append(
                        -vjp_in(lambda eps_: product(theta, eps_, solution), eps, adjoint)
                    )
                else:
                    cotangents.append(adjoint)
            return tuple(cotangents)

        return vjp

    defjvp_argnums(solve, solve_jvp)
    defvjp_argnums(solve, solve_vjp)
