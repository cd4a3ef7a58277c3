"""Shared helpers: every composition of forward and reverse mode, and re-solves."""

import itertools

import autograd
import autograd.numpy as np
import numpy as onp
import pytest


def compose_derivative(function, cotangent, directions, modes):
    """Return eps -> T_k[cotangent; directions...] built with the given modes.

    ``function`` maps eps to an array of theta's shape. Layer i differentiates
    the previous layer along ``directions[i]`` in ``modes[i]``: "forward" takes
    a jvp with autograd.make_jvp, "reverse" takes autograd.grad and contracts
    the gradient with the direction. The innermost layer differentiates
    ``function`` itself (a jvp of thetahat, or the gradient of its contraction
    with ``cotangent``), so every rule of the primitive is exercised.
    """
    modes = list(modes)
    first_mode, outer_modes = modes[0], modes[1:]
    first_direction = directions[0]
    if first_mode == "forward":

        def layer(eps):
            tangent = autograd.make_jvp(function)(eps)(first_direction)[1]
            return np.sum(cotangent * tangent)

    else:
        gradient = autograd.grad(lambda eps: np.sum(cotangent * function(eps)))

        def layer(eps):
            return np.sum(gradient(eps) * first_direction)

    for mode, direction in zip(outer_modes, directions[1:], strict=True):
        layer = _outer_layer(layer, mode, direction)
    return layer


def _outer_layer(inner, mode, direction):
    if mode == "forward":
        return lambda eps: autograd.make_jvp(inner)(eps)(direction)[1]
    gradient = autograd.grad(inner)
    return lambda eps: np.sum(gradient(eps) * direction)


def all_mode_compositions(order):
    """All 2^order sequences of "forward" and "reverse"."""
    return list(itertools.product(("forward", "reverse"), repeat=order))


MODE_COMPOSITIONS = [modes for order in (1, 2, 3) for modes in all_mode_compositions(order)]
MODE_IDS = ["-".join(mode[0] for mode in modes) for modes in MODE_COMPOSITIONS]


def relative_error(actual, expected):
    actual, expected = onp.asarray(actual, dtype=float), onp.asarray(expected, dtype=float)
    scale = max(float(onp.max(onp.abs(expected))), 1e-300)
    return float(onp.max(onp.abs(actual - expected))) / scale


@pytest.fixture
def rng():
    return onp.random.default_rng(12345)
