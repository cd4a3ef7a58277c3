"""Exceptions and warnings raised by implicit_optimum.

Every error subclasses ``ValueError`` or ``TypeError`` so that callers who
catch the standard exceptions keep working, and every message names the
argument, the value or shape seen, the one expected and how to fix it.
"""


class ImplicitOptimumError(Exception):
    """Base class of the errors raised by implicit_optimum."""


class ShapeError(ImplicitOptimumError, ValueError):
    """An array has a shape other than the one required."""


class InputTypeError(ImplicitOptimumError, TypeError):
    """An argument has a type or dtype that cannot be used."""


class NonFiniteError(ImplicitOptimumError, ValueError):
    """An input or a value of the estimating equation contains NaN or inf."""


class NotASolutionError(ImplicitOptimumError, ValueError):
    """``estimating_equation(theta0, eps0)`` is not close enough to zero."""


class SingularJacobianError(ImplicitOptimumError, ValueError):
    """dG/dtheta at the base point is singular or numerically singular."""


class NotPositiveDefiniteError(ImplicitOptimumError, ValueError):
    """The Hessian of the objective is not positive definite."""


class EpsMismatchError(ImplicitOptimumError, ValueError):
    """thetahat was evaluated at an eps other than eps0."""


class TracedInputError(ImplicitOptimumError, ValueError):
    """theta0, eps0 or G(theta0, eps0) depends on a variable autograd is differentiating."""


class ForwardModeError(ImplicitOptimumError, TypeError):
    """Forward mode was needed, but autograd has no forward-mode rule for a function in G."""


class LinearityError(ImplicitOptimumError, ValueError):
    """The estimating equation was declared linear in eps but is not."""


class ImplicitOptimumWarning(UserWarning):
    """Base class of the warnings issued by implicit_optimum."""


class ResidualWarning(ImplicitOptimumWarning):
    """``estimating_equation(theta0, eps0)`` exceeds the residual tolerance."""


class IllConditionedWarning(ImplicitOptimumWarning):
    """dG/dtheta is ill-conditioned, so derivatives lose accuracy."""


class NotAMinimumWarning(ImplicitOptimumWarning):
    """The Hessian of the objective is not positive definite at theta0."""
