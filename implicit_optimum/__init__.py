"""Derivatives of optima with respect to hyperparameters, to any order."""

from ._inputs import Options
from .primitive import make_thetahat, make_thetahat_from_objective

__all__ = ["Options", "make_thetahat", "make_thetahat_from_objective"]
