"""The naive formulation of thetahat, for benchmarks and teaching.

This is the implicit function theorem as it is usually first written: every
call of a derivative rule forms the dense Jacobians dG/dtheta (d x d) and
dG/deps (d x p) at (thetahat(eps), eps) and solves afresh. It is exact to any
order, in any mode, but the work grows quickly with the order because every
nested rule forms both Jacobians again and refactors. Use
:func:`implicit_optimum.make_thetahat` instead.
"""

from collections.abc import Callable

import autograd
import autograd.numpy as np
import numpy as onp
from autograd.extend import defjvp, defjvp_argnums, defvjp, defvjp_argnums, primitive

from ._inputs import check_eps, parse_options
from .errors import InputTypeError
from .structure import is_structured
from .system import ImplicitSystem


def make_dense_solve() -> Callable:
    """Return a new primitive ``dense_solve(matrix, rhs)`` for a vector rhs.

    Each call factors the matrix afresh with ``numpy.linalg.solve``. The
    forward and reverse rules differentiate through the matrix too, so the
    primitive works in every mode. ``dense_solve.count`` counts the calls.
    """

    @primitive
    def dense_solve(matrix, rhs):
        dense_solve.count += 1
        return onp.linalg.solve(matrix, rhs)

    dense_solve.count = 0

    def solve_jvp(argnums, tangents, solution, args, kwargs):
        matrix, _ = args
        rhs_change = 0.0
        for argnum, tangent in zip(argnums, tangents, strict=True):
            if argnum == 0:
                rhs_change = rhs_change - np.dot(tangent, solution)
            else:
                rhs_change = rhs_change + tangent
        return dense_solve(matrix, rhs_change)

    def solve_vjp(argnums, solution, args, kwargs):
        matrix, _ = args

        def vjp(cotangent):
            rhs_cotangent = dense_solve(np.transpose(matrix), cotangent)
            return tuple(
                -np.outer(rhs_cotangent, solution) if argnum == 0 else rhs_cotangent
                for argnum in argnums
            )

        return vjp

    defjvp_argnums(dense_solve, solve_jvp)
    defvjp_argnums(dense_solve, solve_vjp)
    return dense_solve


def make_naive_thetahat(estimating_equation: Callable, theta0, eps0, **options) -> Callable:
    """Build thetahat(eps) with dense Jacobians and a fresh solve in every rule.

    Parameters, returns and errors are those of
    :func:`implicit_optimum.make_thetahat`. ``thetahat.dense_solve.count``
    counts the solves (each one a factorization).
    """
    if is_structured(theta0) or is_structured(eps0):
        raise InputTypeError(
            "make_naive_thetahat accepts arrays only, not tuples or dicts; flatten "
            "theta0 and eps0 yourself, or use make_thetahat, which accepts both"
        )
    system = ImplicitSystem(estimating_equation, theta0, eps0, parse_options(options))
    theta_shape, eps_shape = system.theta_shape, system.eps_shape
    dense_solve = make_dense_solve()

    @primitive
    def thetahat(eps):
        check_eps(eps, system.eps0, system.options.eps_tol, "thetahat")
        return system.theta0.copy()

    def jacobians(eps):
        theta = np.reshape(thetahat(eps), (-1,))
        eps_flat = np.reshape(eps, (-1,))
        jacobian_theta = autograd.jacobian(lambda theta_: system.g_flat(theta_, eps))(theta)
        jacobian_eps = autograd.jacobian(
            lambda eps_: system.g_flat(theta, np.reshape(eps_, eps_shape))
        )(eps_flat)
        return jacobian_theta, jacobian_eps

    def thetahat_jvp(eps_tangent, ans, eps):
        jacobian_theta, jacobian_eps = jacobians(eps)
        rhs = np.dot(jacobian_eps, np.reshape(eps_tangent, (-1,)))
        return np.reshape(-dense_solve(jacobian_theta, rhs), theta_shape)

    def thetahat_vjp(ans, eps):
        def vjp(theta_cotangent):
            jacobian_theta, jacobian_eps = jacobians(eps)
            adjoint = dense_solve(np.transpose(jacobian_theta), np.reshape(theta_cotangent, (-1,)))
            return np.reshape(-np.dot(adjoint, jacobian_eps), eps_shape)

        return vjp

    defjvp(thetahat, thetahat_jvp)
    defvjp(thetahat, thetahat_vjp)
    thetahat.system = system
    thetahat.dense_solve = dense_solve
    return thetahat
