"""Conversion and validation of user inputs: theta0, eps0, eps and options."""

from dataclasses import dataclass, fields

import numpy as onp
from autograd.tracer import getval, isbox

from .errors import EpsMismatchError, InputTypeError, NonFiniteError, ShapeError, TracedInputError
from .linear_solve import FACTORIZATION_METHODS

RESIDUAL_MODES = ("raise", "warn")


@dataclass(frozen=True)
class Options:
    """Tolerances and choices shared by thetahat and TaylorExpansion.

    Attributes
    ----------
    residual_tol : float
        Largest accepted ``max |G(theta0, eps0)|`` relative to the scale of
        G's terms, ``max_i (|dG/dtheta| |theta0| + |dG/deps . eps0|)_i``, so
        that it does not depend on the units of theta or eps. Default 1e-8.
    residual_atol : float
        An absolute floor added to that tolerance, for problems whose scale
        is zero. Default 1e-14.
    on_residual : {"raise", "warn"}
        What to do when the residual exceeds ``residual_tol``: raise
        :class:`NotASolutionError` (default) or issue a
        :class:`ResidualWarning` and go on.
    eps_tol : float
        thetahat accepts eps with ``max |eps - eps0| <= eps_tol * max(1,
        max |eps0|)``. Default 1e-10.
    warn_condition : float
        A condition estimate of dG/dtheta above this issues an
        :class:`IllConditionedWarning`. Default 1e8.
    max_condition : float
        A condition estimate above this raises
        :class:`SingularJacobianError`. Default 1e13.
    factorization : {"auto", "cholesky", "lu"}
        ``"auto"`` uses Cholesky when dG/dtheta is symmetric positive
        definite and LU otherwise.
    """

    residual_tol: float = 1e-8
    residual_atol: float = 1e-14
    on_residual: str = "raise"
    eps_tol: float = 1e-10
    warn_condition: float = 1e8
    max_condition: float = 1e13
    factorization: str = "auto"


def parse_options(options: dict) -> Options:
    """Validate keyword options and return them as :class:`Options`."""
    names = [field.name for field in fields(Options)]
    unknown = sorted(set(options) - set(names))
    if unknown:
        raise TypeError(f"unknown option(s) {unknown}; valid options are {names}")
    parsed = Options(**options)
    for name in ("residual_tol", "residual_atol", "eps_tol", "warn_condition", "max_condition"):
        value = getattr(parsed, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"option {name} must be a positive number, got {value!r}")
    if parsed.on_residual not in RESIDUAL_MODES:
        raise ValueError(
            f"option on_residual must be one of {RESIDUAL_MODES}, got {parsed.on_residual!r}"
        )
    if parsed.factorization not in FACTORIZATION_METHODS:
        raise ValueError(
            f"option factorization must be one of {FACTORIZATION_METHODS}, "
            f"got {parsed.factorization!r}"
        )
    return parsed


def reject_traced(value, name: str) -> None:
    """Raise :class:`TracedInputError` if ``value`` is an autograd box.

    A box at construction means that the caller is differentiating through
    theta0, eps0 or a variable that G reaches through a closure. thetahat
    differentiates only through its eps argument, so that derivative would
    come out silently zero.
    """
    if isbox(value):
        raise TracedInputError(
            f"{name} is being differentiated by autograd (it is an autograd box), but "
            "thetahat differentiates only through its eps argument, so this derivative "
            "would be silently zero. Build thetahat outside the differentiated function "
            "and pass the differentiated variable as (part of) eps; a tuple or dict eps "
            "is accepted"
        )


def as_float_array(value, name: str) -> onp.ndarray:
    """Return ``value`` as a new float64 array, rejecting types with no clear meaning.

    Integers and float32 are converted to float64. Booleans, complex numbers,
    containers (list, tuple, dict) and objects are rejected with
    :class:`InputTypeError`; NaN or inf raise :class:`NonFiniteError`.
    """
    if type(value) is onp.ndarray and value.dtype == onp.float64:
        # The common case, kept cheap because the Taylor reference validates
        # every direction it is given.
        check_finite(value, name)
        return value.copy()
    reject_traced(value, name)
    if isinstance(value, onp.matrix):
        raise InputTypeError(
            f"{name} is a numpy.matrix, which autograd cannot differentiate; pass "
            f"numpy.asarray({name}) and write G with arrays"
        )
    if isinstance(value, (list, tuple, dict)):
        raise InputTypeError(
            f"{name} must be a float or a numpy array, got a {type(value).__name__}; "
            f"pass numpy.asarray({name}) for a plain vector, or a tuple or dict of "
            "arrays for structured parameters"
        )
    array = onp.asarray(value)
    if array.dtype == bool:
        raise InputTypeError(
            f"{name} has dtype bool, which has no derivative; pass {name}.astype(float) "
            "if the values are meant as 0.0 and 1.0"
        )
    if onp.iscomplexobj(array):
        raise InputTypeError(
            f"{name} has complex dtype {array.dtype}; only real parameters are "
            "supported. Split real and imaginary parts into a real array"
        )
    if not onp.issubdtype(array.dtype, onp.number):
        raise InputTypeError(
            f"{name} must be numeric, got dtype {array.dtype} "
            f"(type {type(value).__name__}); pass a float array"
        )
    array = onp.array(array, dtype=onp.float64)
    check_finite(array, name)
    return array


def check_finite(array: onp.ndarray, name: str) -> None:
    """Raise :class:`NonFiniteError` if ``array`` contains NaN or inf."""
    if onp.isfinite(array).all():
        return
    bad = ~onp.isfinite(array)
    if onp.any(bad):
        first = tuple(int(i) for i in onp.argwhere(bad)[0])
        raise NonFiniteError(
            f"{name} contains {int(bad.sum())} non-finite value(s) of {array.size}; "
            f"the first is {array[first]!r} at index {first}. "
            f"Check how {name} was computed"
        )


def check_eps(eps, eps0: onp.ndarray, eps_tol: float, function_name: str) -> None:
    """Raise unless the value of ``eps`` (unwrapped from autograd boxes) equals eps0."""
    raw = getval(eps)
    if isinstance(raw, (list, tuple, dict)):
        raise InputTypeError(
            f"{function_name}: eps is a {type(raw).__name__}, but eps0 is an array of shape "
            f"{eps0.shape}; pass numpy.asarray(eps)"
        )
    raw = onp.asarray(raw)
    if raw.shape != eps0.shape:
        raise ShapeError(
            f"{function_name}: eps has shape {raw.shape} but eps0 has shape "
            f"{eps0.shape}; pass eps with the shape of eps0"
        )
    if raw.dtype == bool or onp.iscomplexobj(raw) or not onp.issubdtype(raw.dtype, onp.number):
        raise InputTypeError(
            f"{function_name}: eps must be a real float array, got dtype {raw.dtype}"
        )
    if not onp.isfinite(raw).all():
        raise EpsMismatchError(
            f"{function_name}: eps contains NaN or inf, but thetahat is defined only at "
            "the finite eps0; check how eps was computed"
        )
    difference = onp.abs(raw - eps0)
    scale = max(1.0, float(onp.max(onp.abs(eps0), initial=0.0)))
    worst = float(onp.max(difference, initial=0.0))
    if worst > eps_tol * scale:
        index = onp.unravel_index(int(onp.argmax(difference)), raw.shape)
        index = tuple(int(i) for i in index)
        raise EpsMismatchError(
            f"{function_name} is defined only at eps0, but was evaluated at an eps "
            f"that differs from eps0 by {worst:.3g} at index {index} (tolerance "
            f"{eps_tol:.1g} x {scale:.3g}). Derivatives at eps0 come from "
            "autograd at eps0 itself; for another eps, solve again and build a new "
            "thetahat, or approximate with TaylorExpansion.series(eps). If eps is eps0 "
            "rounded (for example to float32), pass it in float64 or raise the eps_tol "
            "option"
        )
