"""Decorators that turn a user's G(theta, eps) or F(theta, eps) into a builder."""

import functools
from collections.abc import Callable

from ._inputs import parse_options
from .primitive import gradient_of, make_thetahat, make_thetahat_from_objective
from .taylor import TaylorExpansion


class _DecoratedFunction:
    """A user's function of (theta, eps), callable unchanged, with default options."""

    signature = "G(theta, eps)"

    def __init__(self, function: Callable, **options):
        if not callable(function):
            raise TypeError(
                f"{type(self).__name__} decorates a callable {self.signature}, got "
                f"{type(function).__name__}"
            )
        parse_options(options)
        self.function = function
        self.options = options
        functools.update_wrapper(self, function)

    def __call__(self, theta, eps):
        return self.function(theta, eps)


class EstimatingEquation(_DecoratedFunction):
    """An estimating equation G(theta, eps) that builds thetahat and its Taylor reference.

    Calling it calls G unchanged. Create it with :func:`estimating_equation`.
    """

    def thetahat(self, theta0, eps0, **options) -> Callable:
        """Return thetahat(eps) for a solution theta0 at eps0; see :func:`make_thetahat`.

        ``options`` override those given to the decorator.
        """
        return make_thetahat(self.function, theta0, eps0, **{**self.options, **options})

    def taylor_expansion(self, theta0, eps0, order: int, **options) -> TaylorExpansion:
        """Return the :class:`TaylorExpansion` of thetahat around (theta0, eps0)."""
        return TaylorExpansion(self.function, theta0, eps0, order, **{**self.options, **options})


class Objective(_DecoratedFunction):
    """An objective F(theta, eps) whose minimizer thetahat(eps) can be differentiated.

    Calling it calls F unchanged. Create it with :func:`objective`.
    """

    signature = "F(theta, eps)"

    @property
    def estimating_equation(self) -> EstimatingEquation:
        """The estimating equation G = dF/dtheta."""
        return EstimatingEquation(gradient_of(self.function), **self.options)

    def thetahat(self, theta0, eps0, **options) -> Callable:
        """Return thetahat(eps) for a minimizer theta0 at eps0; see
        :func:`make_thetahat_from_objective`. ``options`` override the decorator's."""
        merged = {**self.options, **options}
        return make_thetahat_from_objective(self.function, theta0, eps0, **merged)

    def taylor_expansion(self, theta0, eps0, order: int, **options) -> TaylorExpansion:
        """Return :meth:`TaylorExpansion.from_objective` around (theta0, eps0)."""
        merged = {**self.options, **options}
        return TaylorExpansion.from_objective(self.function, theta0, eps0, order, **merged)


def estimating_equation(function: Callable | None = None, **options):
    """Decorate ``G(theta, eps)`` so that it can build thetahat and its Taylor reference.

    Use it bare (``@estimating_equation``) or with default options for the
    builders (``@estimating_equation(residual_tol=1e-6)``).

    Examples
    --------
    >>> import autograd.numpy as np
    >>> @estimating_equation
    ... def cube_root(theta, eps):
    ...     return theta**3 - eps
    >>> thetahat = cube_root.thetahat(theta0=2.0, eps0=8.0)
    """
    if function is None:
        parse_options(options)
        return lambda decorated: EstimatingEquation(decorated, **options)
    return EstimatingEquation(function, **options)


def objective(function: Callable | None = None, **options):
    """Decorate ``F(theta, eps)`` so that it can build thetahat = argmin_theta F.

    Use it bare (``@objective``) or with default options (``@objective(residual_tol=1e-6)``).
    """
    if function is None:
        parse_options(options)
        return lambda decorated: Objective(decorated, **options)
    return Objective(function, **options)
