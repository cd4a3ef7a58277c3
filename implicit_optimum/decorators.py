"""Decorators that turn a user's G(theta, eps) or F(theta, eps) into a builder."""

import functools
from collections.abc import Callable

from .primitive import gradient_of, make_thetahat, make_thetahat_from_objective
from .taylor import TaylorExpansion


class EstimatingEquation:
    """An estimating equation G(theta, eps) that builds thetahat and its Taylor reference.

    Calling it calls G unchanged. Create it with :func:`estimating_equation`.
    """

    def __init__(self, function: Callable):
        if not callable(function):
            raise TypeError(
                "estimating_equation decorates a callable G(theta, eps), got "
                f"{type(function).__name__}"
            )
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, theta, eps):
        return self.function(theta, eps)

    def thetahat(self, theta0, eps0, **options) -> Callable:
        """Return thetahat(eps) for a solution theta0 at eps0; see :func:`make_thetahat`."""
        return make_thetahat(self.function, theta0, eps0, **options)

    def taylor_expansion(self, theta0, eps0, order: int, **options) -> TaylorExpansion:
        """Return the :class:`TaylorExpansion` of thetahat around (theta0, eps0)."""
        return TaylorExpansion(self.function, theta0, eps0, order, **options)


class Objective:
    """An objective F(theta, eps) whose minimizer thetahat(eps) can be differentiated.

    Calling it calls F unchanged. Create it with :func:`objective`.
    """

    def __init__(self, function: Callable):
        if not callable(function):
            raise TypeError(
                f"objective decorates a callable F(theta, eps), got {type(function).__name__}"
            )
        self.function = function
        functools.update_wrapper(self, function)

    def __call__(self, theta, eps):
        return self.function(theta, eps)

    @property
    def estimating_equation(self) -> EstimatingEquation:
        """The estimating equation G = dF/dtheta."""
        return EstimatingEquation(gradient_of(self.function))

    def thetahat(self, theta0, eps0, **options) -> Callable:
        """Return thetahat(eps) for a minimizer theta0 at eps0; see
        :func:`make_thetahat_from_objective`."""
        return make_thetahat_from_objective(self.function, theta0, eps0, **options)

    def taylor_expansion(self, theta0, eps0, order: int, **options) -> TaylorExpansion:
        """Return :meth:`TaylorExpansion.from_objective` around (theta0, eps0)."""
        return TaylorExpansion.from_objective(self.function, theta0, eps0, order, **options)


def estimating_equation(function: Callable) -> EstimatingEquation:
    """Decorate ``G(theta, eps)`` so that it can build thetahat and its Taylor reference.

    Examples
    --------
    >>> import autograd.numpy as np
    >>> @estimating_equation
    ... def cube_root(theta, eps):
    ...     return theta**3 - eps
    >>> thetahat = cube_root.thetahat(theta0=2.0, eps0=8.0)
    """
    return EstimatingEquation(function)


def objective(function: Callable) -> Objective:
    """Decorate ``F(theta, eps)`` so that it can build thetahat = argmin_theta F."""
    return Objective(function)
