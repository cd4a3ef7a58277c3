"""The closed-form reference: a recursive Taylor expansion of thetahat.

Let theta(t) = thetahat(eps0 + t * direction) and theta_k its k-th derivative
at t = 0. With x(t) = (theta(t), eps0 + t * direction), Faa di Bruno's formula
for the k-th derivative of G(x(t)) = 0 gives

    A theta_k + R_k = 0,   A = dG/dtheta(theta0, eps0),

    R_k = sum over integer partitions (j_1, ..., j_m) of k other than (k) of
          k! / (prod j_i! prod mult_s!) * D^m G[x_{j_1}, ..., x_{j_m}]
          (+ dG/deps . direction when k = 1),

with x_1 = (theta_1, direction), x_j = (theta_j, 0) for j >= 2 and mult_s the
multiplicity of part s. So theta_k = -A^{-1} R_k: one factorization, lower
orders reused, and every group of set partitions with the same block sizes
(terms equal by the symmetry of mixed partials) merged into one term with an
integer coefficient. Each D^m G[...] is a nested forward-mode directional
derivative of G at (theta0, eps0).
"""

import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as onp

from ._inputs import as_float_array, parse_options
from .errors import ForwardModeError, LinearityError, ShapeError
from .linear_solve import jvp_in
from .primitive import gradient_of
from .structure import FlatProblem
from .system import ImplicitSystem


@dataclass(frozen=True)
class TaylorTerm:
    """One merged term ``coefficient * D^m G[x_{j_1}, ..., x_{j_m}]`` of R_k.

    Attributes
    ----------
    theta_orders : tuple of int
        The non-increasing block sizes j_1, ..., j_m; slot i gets x_{j_i}.
    coefficient : int
        The number of set partitions of {1, ..., k} with these block sizes.
    """

    theta_orders: tuple
    coefficient: int

    @property
    def first_order_count(self) -> int:
        """How many slots hold x_1, the only direction with an eps part."""
        return self.theta_orders.count(1)


def taylor_terms(order: int) -> list[TaylorTerm]:
    """List the merged terms of R_k for ``k = order`` (without dG/deps . direction).

    Set partitions of the k differentiations with block sizes j_1, ..., j_m all
    give ``D^m G[x_{j_1}, ..., x_{j_m}]``; there are ``k! / (prod j_i! prod
    mult_s!)`` of them. The partition (k) gives ``A theta_k`` and is left out.
    """
    terms = []
    for theta_orders in _integer_partitions(order, order):
        if theta_orders == (order,):
            continue
        denominator = 1
        for part in theta_orders:
            denominator *= math.factorial(part)
        for multiplicity in Counter(theta_orders).values():
            denominator *= math.factorial(multiplicity)
        terms.append(TaylorTerm(theta_orders, math.factorial(order) // denominator))
    return terms


def _integer_partitions(total: int, largest: int) -> Iterator[tuple]:
    """Yield the partitions of ``total`` into non-increasing parts <= ``largest``."""
    if total == 0:
        yield ()
        return
    for part in range(min(total, largest), 0, -1):
        for rest in _integer_partitions(total - part, part):
            yield (part,) + rest


class TaylorExpansion:
    """Derivatives and Taylor series of thetahat(eps) along a direction, in closed form.

    Parameters
    ----------
    estimating_equation : callable
        ``G(theta, eps)`` written with ``autograd.numpy``, returning an array
        of theta's shape.
    theta0 : float or array of shape theta_shape
        A solution of ``G(theta0, eps0) = 0``.
    eps0 : float or array of shape eps_shape
        The hyperparameter at which theta0 was found.
    order : int
        The highest derivative order, at least 1.
    linear_in_eps : bool, optional
        Declare that G is affine in eps, as with data weights. Every partial
        derivative with two or more eps derivatives then vanishes, so in a
        term with r slots of x_1 = (theta_1, direction) only one slot carries
        the eps part, scaled by r, and the others are theta-only: the pruned
        terms are never traced. The claim is checked at construction along
        random directions, for every dropped partial derivative up to
        ``order`` and by a secant step in eps. If it fails,
        :class:`LinearityError` is raised.
    **options
        As in :func:`implicit_optimum.make_thetahat`.

    Raises
    ------
    LinearityError
        ``linear_in_eps=True`` but G is not linear in eps.
    ValueError, TypeError
        ``order`` is not a positive integer, and the input errors of
        :func:`implicit_optimum.make_thetahat`.

    Notes
    -----
    dG/dtheta is factored once; theta_k costs one solve plus the terms of
    R_k, each a nested forward-mode directional derivative of G at (theta0,
    eps0). The results are plain arrays: this class is a reference, not an
    autograd primitive.
    """

    def __init__(
        self,
        estimating_equation: Callable,
        theta0,
        eps0,
        order: int,
        *,
        linear_in_eps: bool = False,
        **options,
    ):
        _check_order(order, "order")
        self._setup(estimating_equation, theta0, eps0, options, False, order, linear_in_eps)

    @classmethod
    def from_objective(
        cls,
        objective: Callable,
        theta0,
        eps0,
        order: int,
        *,
        linear_in_eps: bool = False,
        **options,
    ) -> "TaylorExpansion":
        """Build the expansion of ``argmin_theta objective(theta, eps)`` (G = dF/dtheta).

        dF/dtheta is factored by Cholesky, with the fallback of
        :func:`implicit_optimum.make_thetahat_from_objective`.
        """
        _check_order(order, "order")
        expansion = cls.__new__(cls)
        estimating_equation = gradient_of(objective, theta0, eps0)
        expansion._setup(estimating_equation, theta0, eps0, options, True, order, linear_in_eps)
        return expansion

    def _setup(
        self, estimating_equation, theta0, eps0, options, from_objective, order, linear_in_eps
    ) -> None:
        parsed = parse_options(options)
        # Tuples and dicts are flattened here; results are rebuilt in theta's layout.
        self._flat = FlatProblem.build(estimating_equation, theta0, eps0)
        if self._flat is not None:
            estimating_equation = self._flat.estimating_equation
            theta0, eps0 = self._flat.theta0, self._flat.eps0
        self.system = ImplicitSystem(estimating_equation, theta0, eps0, parsed, from_objective)
        if self.system.forward_mode_error is not None:
            raise ForwardModeError(
                "TaylorExpansion evaluates nested forward-mode derivatives of "
                "estimating_equation, but autograd has none for a function it uses "
                f"({self.system.forward_mode_error}). Use make_thetahat with reverse mode "
                "(grad, jacobian), or rewrite G without that function"
            )
        self.order = _check_order(order, "order")
        self.linear_in_eps = bool(linear_in_eps)
        self.terms = [taylor_terms(k) for k in range(1, self.order + 1)]
        if self.linear_in_eps:
            self._check_linear_in_eps()

    def derivatives(self, direction, order: int | None = None) -> list[onp.ndarray]:
        """Return ``[theta_1, ..., theta_order]``, the derivatives along ``direction``.

        Parameters
        ----------
        direction : float, array of shape eps_shape, or eps0's tuple or dict layout
            The direction delta in eps.
        order : int, optional
            How many derivatives to return; defaults to the order given at
            construction and may not exceed it.

        Returns
        -------
        list of numpy.ndarray of shape theta_shape (or theta0's tuple or dict layout)
            ``theta_k = d^k/dt^k thetahat(eps0 + t * direction)`` at t = 0.
        """
        order = self._resolve_order(order)
        direction = self._as_eps_shaped(direction, "direction")
        return [self._theta_layout(d) for d in self._flat_derivatives(direction, order)]

    def series(self, eps, order: int | None = None):
        """Return the Taylor approximation ``theta0 + sum_k theta_k / k!`` of thetahat(eps).

        Parameters
        ----------
        eps : float, array of shape eps_shape, or eps0's tuple or dict layout
            Where to approximate thetahat; the direction is ``eps - eps0``.
        order : int, optional
            Truncation order; defaults to the order given at construction.

        Returns
        -------
        numpy.ndarray of shape theta_shape, or theta0's tuple or dict layout
        """
        order = self._resolve_order(order)
        direction = self._as_eps_shaped(eps, "eps") - self.system.eps0
        approximation = self.system.theta0_flat.copy()
        for k, derivative in enumerate(self._flat_derivatives(direction, order), start=1):
            approximation += derivative / math.factorial(k)
        return self._theta_layout(approximation)

    def _flat_derivatives(self, direction: onp.ndarray, order: int) -> list[onp.ndarray]:
        """Return theta_1, ..., theta_order as flat vectors, for a checked direction."""
        system = self.system
        theta0, eps0 = system.theta0_flat, system.eps0
        flat_derivatives = []
        for k in range(1, order + 1):
            if k == 1:
                remainder = onp.asarray(system.jvp_eps(theta0, eps0, direction), dtype=float)
            else:
                remainder = onp.zeros(system.dim_theta)
            for term in self.terms[k - 1]:
                remainder = remainder + term.coefficient * self._evaluate_term(
                    term, flat_derivatives, direction
                )
            flat_derivatives.append(-system.factorization.solve(remainder))
        return flat_derivatives

    def _evaluate_term(self, term: TaylorTerm, flat_derivatives, direction) -> onp.ndarray:
        """Evaluate ``D^m G[x_{j_1}, ..., x_{j_m}]`` at (theta0, eps0) by nested jvps."""
        function = self.system.g_flat
        first_order_count = term.first_order_count
        for index, part in enumerate(term.theta_orders):
            theta_direction = flat_derivatives[part - 1]
            if part > 1:
                function = _differentiate_along_theta(function, theta_direction)
            elif not self.linear_in_eps:
                function = _differentiate_along_both(function, theta_direction, direction)
            elif index == len(term.theta_orders) - first_order_count:
                # G is affine in eps: of the r slots of x_1 only one needs the
                # eps part, and D^m G[x_1^r, ...] = D^m_theta G[theta_1^r, ...]
                # + r D^{m-1}_theta D_eps G[theta_1^{r-1}, ..., direction].
                function = _differentiate_along_both(
                    function, theta_direction, first_order_count * direction
                )
            else:
                function = _differentiate_along_theta(function, theta_direction)
        return onp.asarray(function(self.system.theta0_flat, self.system.eps0), dtype=float)

    def _check_linear_in_eps(self) -> None:
        """Raise :class:`LinearityError` unless G looks affine in eps up to ``self.order``.

        The pruned evaluation drops every D^a_theta D^b_eps G with b >= 2. Along
        random directions u in theta and r in eps, the sum of exactly those
        terms is D^m G[(u, r)^m] - D^m G[(u, m r), (u, 0)^(m-1)], which is
        checked for m = 2, ..., order. A secant step in eps at theta0 checks
        affinity beyond the expansion's order. The directions are random, so
        this is a check with probability one, not a proof.
        """
        system = self.system
        theta0, eps0 = system.theta0_flat, system.eps0
        rng = onp.random.default_rng(0)
        probe = rng.normal(size=system.eps_shape)
        theta_probe = rng.normal(size=system.dim_theta)

        for m in range(2, max(self.order, 2) + 1):
            full = system.g_flat
            pruned = _differentiate_along_both(system.g_flat, theta_probe, m * probe)
            for _ in range(m - 1):
                full = _differentiate_along_both(full, theta_probe, probe)
                pruned = _differentiate_along_theta(pruned, theta_probe)
            full = _differentiate_along_both(full, theta_probe, probe)
            full_value = onp.asarray(full(theta0, eps0), dtype=float)
            pruned_value = onp.asarray(pruned(theta0, eps0), dtype=float)
            dropped = float(onp.max(onp.abs(full_value - pruned_value)))
            scale = float(onp.max(onp.abs(full_value))) + float(onp.max(onp.abs(pruned_value)))
            if not dropped <= 1e-8 * scale + 1e-12:
                raise _not_linear_error(
                    f"along random directions, the partial derivatives of order {m} with two "
                    f"or more eps derivatives sum to {dropped:.3g} (scale {scale:.3g}) "
                    "instead of 0"
                )

        first = onp.asarray(system.jvp_eps(theta0, eps0, probe), dtype=float)
        step = 1e-2 * max(1.0, float(onp.max(onp.abs(eps0), initial=0.0)))
        moved = onp.asarray(system.g_flat(theta0, eps0 + step * probe), dtype=float)
        secant_error = moved - system.residual.reshape(-1) - step * first
        scale = float(onp.max(onp.abs(step * first), initial=0.0)) + float(
            onp.max(onp.abs(moved), initial=0.0)
        )
        secant_size = float(onp.max(onp.abs(secant_error), initial=0.0))
        if not secant_size <= 1e-8 * scale + 1e-12:
            raise _not_linear_error(
                f"along a random direction r, a step of {step:.3g} in eps changes G by "
                f"{secant_size:.3g} more than its linear part predicts (scale {scale:.3g})"
            )

    def _resolve_order(self, order) -> int:
        if order is None:
            return self.order
        order = _check_order(order, "order")
        if order > self.order:
            raise ValueError(
                f"order={order} exceeds the order {self.order} given at construction; "
                f"build TaylorExpansion(..., order={order})"
            )
        return order

    def _theta_layout(self, flat_theta: onp.ndarray):
        if self._flat is not None:
            return self._flat.unflatten_theta(flat_theta.reshape(-1))
        return flat_theta.reshape(self.system.theta_shape)

    def _as_eps_shaped(self, value, name: str) -> onp.ndarray:
        """Return ``value`` as an array of eps0's shape (a flat vector for tuples and dicts)."""
        if self._flat is not None:
            array = as_float_array(onp.asarray(self._flat.flatten_eps(value, name)), name)
            return array
        array = as_float_array(value, name)
        if array.shape != self.system.eps_shape:
            raise ShapeError(
                f"{name} has shape {array.shape} but eps0 has shape "
                f"{self.system.eps_shape}; pass {name} with the shape of eps0"
            )
        return array


def _not_linear_error(detail: str) -> LinearityError:
    return LinearityError(
        "linear_in_eps=True, but the estimating equation is not linear in eps: "
        f"{detail}. Pass linear_in_eps=False"
    )


def _differentiate_along_theta(function: Callable, direction) -> Callable:
    def derivative(theta, eps):
        return jvp_in(lambda theta_: function(theta_, eps), theta, direction)

    return derivative


def _differentiate_along_both(function: Callable, theta_direction, eps_direction) -> Callable:
    """Differentiate along (theta_direction, eps_direction) through a scalar path s."""

    def derivative(theta, eps):
        return jvp_in(
            lambda step: function(theta + step * theta_direction, eps + step * eps_direction),
            0.0,
            1.0,
        )

    return derivative


def _check_order(order, name: str) -> int:
    if isinstance(order, bool) or not isinstance(order, (int, onp.integer)) or order < 1:
        raise ValueError(f"{name} must be a positive integer, got {order!r}")
    return int(order)
