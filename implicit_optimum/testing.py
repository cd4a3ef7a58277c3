"""A correctness baseline for other implementations of dthetahat/deps.

:func:`check_sensitivity` compares a user's own implementation (a Jacobian, a
list of directional derivatives or a Taylor series) with the library's
primitive, order by order, and explains any disagreement. The primitive is
itself checked against exact closed forms and finite differences of
re-solves in this project's test suite.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import autograd
import numpy as onp

from .primitive import make_thetahat
from .structure import describe, unflatten

KINDS = ("jacobian", "derivatives", "series")


class SensitivityMismatchError(AssertionError):
    """A candidate implementation disagrees with the primitive."""


@dataclass
class Comparison:
    """One compared quantity: an order along a direction, a Jacobian or a series point."""

    label: str
    max_abs_error: float
    max_rel_error: float
    passed: bool
    detail: str = ""


@dataclass
class SensitivityReport:
    """The result of :func:`check_sensitivity`: one :class:`Comparison` per quantity."""

    kind: str
    rtol: float
    atol: float
    comparisons: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(comparison.passed for comparison in self.comparisons)

    def failures(self) -> list:
        return [comparison for comparison in self.comparisons if not comparison.passed]

    def __str__(self) -> str:
        lines = [
            f"check_sensitivity ({self.kind}, rtol={self.rtol:g}, atol={self.atol:g}): "
            + ("all agree" if self.passed else f"{len(self.failures())} disagree"),
            f"  {'quantity':<28}{'max abs err':>12}{'max rel err':>12}  result",
        ]
        for comparison in self.comparisons:
            result = "ok" if comparison.passed else "MISMATCH " + comparison.detail
            lines.append(
                f"  {comparison.label:<28}{comparison.max_abs_error:>12.3g}"
                f"{comparison.max_rel_error:>12.3g}  {result}"
            )
        return "\n".join(lines)


def check_sensitivity(
    candidate: Callable,
    estimating_equation: Callable,
    theta0,
    eps0,
    *,
    kind: str = "derivatives",
    order: int = 1,
    directions=None,
    scales=(0.1, 0.01),
    rtol: float = 1e-6,
    atol: float = 1e-10,
    raise_on_failure: bool = True,
    **options,
) -> SensitivityReport:
    """Compare a user's implementation of dthetahat/deps with the primitive, order by order.

    Parameters
    ----------
    candidate : callable
        The implementation under test. Its signature depends on ``kind``:

        - ``"jacobian"``: ``candidate(eps0)`` returns dthetahat/deps at eps0,
          of shape ``theta_shape + eps_shape``; ``order`` must be 1.
        - ``"derivatives"``: ``candidate(direction)`` returns the list
          ``[theta_1, ..., theta_order]`` of directional derivatives
          ``d^k/dt^k thetahat(eps0 + t * direction)`` at t = 0 (for order 1 a
          single array is accepted).
        - ``"series"``: ``candidate(eps)`` returns the Taylor approximation of
          thetahat(eps) of the given order around eps0.
    estimating_equation, theta0, eps0, **options
        As in :func:`implicit_optimum.make_thetahat`; they define the truth.
    kind : {"jacobian", "derivatives", "series"}
    order : int
        The highest order to check.
    directions : list, optional
        Directions in eps (each of eps0's shape or layout). Default: two
        seeded random normal directions.
    scales : sequence of float
        For ``kind="series"``, the series is compared at ``eps0 + scale * direction``.
    rtol, atol : float
        A quantity agrees when ``|candidate - reference| <= atol + rtol * max|reference|``
        elementwise.
    raise_on_failure : bool
        Raise :class:`SensitivityMismatchError` (an ``AssertionError``) when any
        quantity disagrees; otherwise return the report either way.

    Returns
    -------
    SensitivityReport
        ``report.passed``, ``report.failures()`` and a readable ``str(report)``.

    Raises
    ------
    SensitivityMismatchError
        When ``raise_on_failure`` and the candidate disagrees; the message contains
        the report.
    ValueError
        For an unknown ``kind``, a non-positive ``order`` or ``order != 1`` with
        ``kind="jacobian"``, and the input errors of ``make_thetahat``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    if kind == "jacobian" and order != 1:
        raise ValueError(
            f'kind="jacobian" checks the first derivative only, got order={order}; '
            'use kind="derivatives" for higher orders'
        )
    thetahat = make_thetahat(estimating_equation, theta0, eps0, **options)
    report = SensitivityReport(kind, rtol, atol)
    if kind == "jacobian":
        reference = autograd.jacobian(thetahat)(eps0)
        report.comparisons.append(_compare("Jacobian", candidate(eps0), reference, rtol, atol))
    else:
        if directions is None:
            directions = _random_directions(eps0, count=2)
        theta0 = thetahat(eps0)
        for index, direction in enumerate(directions):
            reference = _directional_derivatives(thetahat, eps0, direction, order)
            if kind == "derivatives":
                _compare_derivatives(report, candidate, direction, reference, index)
            else:
                _compare_series(
                    report, candidate, eps0, direction, theta0, reference, index, scales
                )
    if raise_on_failure and not report.passed:
        raise SensitivityMismatchError(
            "the candidate implementation disagrees with implicit_optimum's primitive\n"
            + str(report)
        )
    return report


def _compare_derivatives(report, candidate, direction, reference, index):
    values = candidate(direction)
    if len(reference) == 1 and not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) < len(reference):
        raise ValueError(
            f"candidate(direction) returned {len(values)} derivatives but order="
            f"{len(reference)} needs {len(reference)}; return [theta_1, ..., theta_order]"
        )
    for k, (value, expected) in enumerate(zip(values, reference, strict=False), start=1):
        label = f"order {k}, direction {index}"
        report.comparisons.append(_compare(label, value, expected, report.rtol, report.atol))


def _compare_series(report, candidate, eps0, direction, theta0, reference, index, scales):
    for scale in scales:
        terms = [(1.0, theta0)] + [
            (scale**k / math.factorial(k), derivative)
            for k, derivative in enumerate(reference, start=1)
        ]
        expected = _weighted_sum(terms)
        eps = _add_scaled(eps0, direction, scale)
        label = f"series at eps0+{scale:g}*dir {index}"
        report.comparisons.append(
            _compare(label, candidate(eps), expected, report.rtol, report.atol)
        )


def _weighted_sum(terms):
    """Return sum(weight * value) for values in theta's layout (arrays, tuples or dicts)."""
    first = terms[0][1]
    if isinstance(first, tuple):
        return tuple(
            _weighted_sum([(weight, value[i]) for weight, value in terms])
            for i in range(len(first))
        )
    if isinstance(first, dict):
        return {
            key: _weighted_sum([(weight, value[key]) for weight, value in terms]) for key in first
        }
    return sum(weight * onp.asarray(value, dtype=float) for weight, value in terms)


def _directional_derivatives(thetahat, eps0, direction, order):
    """Return [theta_1, ..., theta_order] from nested forward-mode jvps of the primitive."""
    derivatives = []
    function = thetahat
    for _ in range(order):
        function = _jvp_along(function, direction)
        derivatives.append(function(eps0))
    return derivatives


def _jvp_along(function, direction):
    return lambda eps: autograd.make_jvp(function)(eps)(direction)[1]


def _compare(label, value, expected, rtol, atol) -> Comparison:
    actual_shapes, expected_shapes = _leaf_shapes(value), _leaf_shapes(expected)
    if actual_shapes != expected_shapes:
        return Comparison(
            label,
            onp.inf,
            onp.inf,
            False,
            f"(candidate has shape {_describe_shapes(actual_shapes)}, the reference "
            f"{_describe_shapes(expected_shapes)}: derivatives and series have theta's "
            "shape, a Jacobian theta_shape + eps_shape)",
        )
    actual = _flatten_numeric(value)
    target = _flatten_numeric(expected)
    error = onp.abs(actual - target)
    scale = float(onp.max(onp.abs(target), initial=0.0))
    max_abs = float(onp.max(error, initial=0.0)) if onp.all(onp.isfinite(actual)) else onp.inf
    max_rel = max_abs / scale if scale > 0 else max_abs
    passed = bool(onp.all(error <= atol + rtol * scale)) and onp.isfinite(max_abs)
    detail = ""
    if not passed:
        worst = int(onp.nanargmax(onp.where(onp.isfinite(error), error, onp.inf)))
        detail = f"(worst at flat index {worst}: candidate {actual[worst]:.6g}, "
        detail += f"reference {target[worst]:.6g})"
    return Comparison(label, max_abs, max_rel, passed, detail)


def _leaf_shapes(value) -> list:
    """Return the shapes of the arrays in ``value``, in order (one for a plain array)."""
    if isinstance(value, tuple | list):
        return [shape for item in value for shape in _leaf_shapes(item)]
    if isinstance(value, dict):
        return [shape for key in value for shape in _leaf_shapes(value[key])]
    return [onp.shape(value)]


def _describe_shapes(shapes: list) -> str:
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _flatten_numeric(value) -> onp.ndarray:
    if isinstance(value, tuple | list):
        return onp.concatenate([_flatten_numeric(item) for item in value])
    if isinstance(value, dict):
        return onp.concatenate([_flatten_numeric(value[key]) for key in value])
    return onp.asarray(value, dtype=float).reshape(-1)


def _random_directions(eps0, count: int) -> list:
    structure, flat = describe(eps0, "eps0")
    rng = onp.random.default_rng(0)
    return [unflatten(rng.normal(size=flat.size), structure) for _ in range(count)]


def _add_scaled(eps0, direction, scale):
    if isinstance(eps0, tuple):
        return tuple(_add_scaled(a, b, scale) for a, b in zip(eps0, direction, strict=True))
    if isinstance(eps0, dict):
        return {key: _add_scaled(eps0[key], direction[key], scale) for key in eps0}
    return onp.asarray(eps0, dtype=float) + scale * onp.asarray(direction, dtype=float)
