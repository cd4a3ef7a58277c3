"""Derivatives of optima with respect to hyperparameters, to any order.

Public API
----------
make_thetahat, make_thetahat_from_objective
    The self-differentiating optimum thetahat(eps), an autograd primitive.
TaylorExpansion
    The closed-form reference: derivatives and Taylor series along a direction.
estimating_equation, objective
    Decorators that add ``.thetahat`` and ``.taylor_expansion`` to G or F.
make_naive_thetahat
    The naive formulation, for benchmarks and teaching.
"""

from . import errors
from ._inputs import Options
from .decorators import EstimatingEquation, Objective, estimating_equation, objective
from .naive import make_naive_thetahat
from .primitive import make_thetahat, make_thetahat_from_objective
from .taylor import TaylorExpansion, taylor_terms

__version__ = "0.1.0"

__all__ = [
    "EstimatingEquation",
    "Objective",
    "Options",
    "TaylorExpansion",
    "errors",
    "estimating_equation",
    "make_naive_thetahat",
    "make_thetahat",
    "make_thetahat_from_objective",
    "objective",
    "taylor_terms",
]
