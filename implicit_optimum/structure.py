"""Tuples and dicts of arrays as theta or eps, flattened to one vector.

Statisticians write parameters as ``(mean, covariance)`` or ``{"scale": ...,
"shift": ...}``. Such a value is described once by a :class:`Structure`. It is
then flattened into, and rebuilt from, a float vector with autograd.numpy
operations. Derivatives therefore flow through both conversions, whether the
container is an autograd box or a plain tuple of boxes.
"""

from dataclasses import dataclass

import autograd.numpy as np
from autograd.builtins import container_untake, make_sequence
from autograd.extend import defjvp_argnum, defvjp_argnum, primitive, vspace
from autograd.tracer import getval

from ._inputs import as_float_array, reject_traced
from .errors import InputTypeError, ShapeError


@dataclass(frozen=True)
class Structure:
    """The layout of an array, or of a tuple or dict whose leaves are arrays.

    Attributes
    ----------
    kind : {"array", "tuple", "dict"}
    shape : tuple
        The shape of an array leaf; ``()`` for containers.
    children : tuple
        For a tuple, its items' structures; for a dict, ``(key, structure)``
        pairs in the order of the dict given at construction.
    size : int
        Number of floats in the flattened vector.
    """

    kind: str
    shape: tuple = ()
    children: tuple = ()
    size: int = 0


def is_structured(value) -> bool:
    """Return whether ``value`` is a tuple or dict (also inside an autograd box)."""
    return isinstance(getval(value), (tuple, dict))


def describe(value, name: str) -> tuple[Structure, "np.ndarray"]:
    """Return the structure of ``value`` and its leaves flattened into a float64 vector.

    Raises
    ------
    InputTypeError
        A leaf is boolean, complex, a list or not numeric, or a container is empty.
    NonFiniteError
        A leaf contains NaN or inf.
    """
    reject_traced(value, name)
    raw = getval(value)
    if isinstance(raw, tuple):
        if not raw:
            raise InputTypeError(f"{name} is an empty tuple; pass at least one array")
        parts = [describe(item, f"{name}[{index}]") for index, item in enumerate(raw)]
        children = tuple(structure for structure, _ in parts)
        vector = np.concatenate([leaf for _, leaf in parts])
        return Structure("tuple", children=children, size=vector.size), vector
    if isinstance(raw, dict):
        if not raw:
            raise InputTypeError(f"{name} is an empty dict; pass at least one array")
        parts = [(key, describe(item, f"{name}[{key!r}]")) for key, item in raw.items()]
        children = tuple((key, structure) for key, (structure, _) in parts)
        vector = np.concatenate([leaf for _, (_, leaf) in parts])
        return Structure("dict", children=children, size=vector.size), vector
    array = as_float_array(raw, name)
    return Structure("array", shape=array.shape, size=array.size), array.reshape(-1)


def flatten(value, structure: Structure, name: str):
    """Flatten ``value`` laid out as ``structure`` into a vector, differentiably.

    Raises
    ------
    InputTypeError, ShapeError
        When ``value`` does not have the layout of ``structure``; the message
        names the offending item, e.g. ``eps['scale']``.
    """
    raw = getval(value)
    if structure.kind == "array":
        if isinstance(raw, (tuple, list, dict)):
            raise InputTypeError(
                f"{name} is a {type(raw).__name__}, but an array of shape {structure.shape} "
                "was expected"
            )
        dtype = getattr(raw, "dtype", None)
        kind = dtype.kind if dtype is not None else None
        if isinstance(raw, (bool, complex)) or kind in ("b", "c"):
            raise InputTypeError(
                f"{name} must be a real float array, got {type(raw).__name__}"
                + (f" of dtype {dtype}" if dtype is not None else "")
            )
        shape = getattr(raw, "shape", None)
        if shape is None:
            shape = () if isinstance(raw, (int, float)) else None
        if shape != structure.shape:
            raise ShapeError(
                f"{name} has shape {shape} but shape {structure.shape} was expected; "
                f"pass an array of shape {structure.shape}"
            )
        return np.reshape(value, (-1,))
    expected_type = tuple if structure.kind == "tuple" else dict
    if not isinstance(raw, expected_type):
        raise InputTypeError(
            f"{name} is a {type(raw).__name__}, but a {expected_type.__name__} laid out "
            f"like the one given at construction was expected"
        )
    if structure.kind == "tuple":
        if len(raw) != len(structure.children):
            raise ShapeError(
                f"{name} has {len(raw)} items but {len(structure.children)} were expected"
            )
        pieces = [
            flatten(value[index], child, f"{name}[{index}]")
            for index, child in enumerate(structure.children)
        ]
    else:
        expected_keys = [key for key, _ in structure.children]
        if set(raw) != set(expected_keys):
            raise ShapeError(
                f"{name} has keys {sorted(map(str, raw))} but {sorted(map(str, expected_keys))} "
                "were expected"
            )
        pieces = [
            flatten(value[key], child, f"{name}[{key!r}]") for key, child in structure.children
        ]
    return np.concatenate(pieces)


def unflatten(vector, structure: Structure):
    """Rebuild the layout of ``structure`` from a flat vector, differentiably."""
    value, _ = _unflatten_from(vector, structure, 0)
    return value


def _unflatten_from(vector, structure: Structure, start: int):
    if structure.kind == "array":
        stop = start + structure.size
        return np.reshape(vector[start:stop], structure.shape), stop
    items = []
    for child in structure.children:
        child_structure = child[1] if structure.kind == "dict" else child
        item, start = _unflatten_from(vector, child_structure, start)
        items.append(item)
    if structure.kind == "tuple":
        return make_sequence(tuple, *items), start
    keys = tuple(key for key, _ in structure.children)
    return _pack_dict(keys, *items), start


# Containers are built with primitives so that, when their items are autograd
# boxes, the container itself is a box: a plain tuple or dict of boxes would
# look constant to make_jvp and grad. autograd's own dict builder has no
# forward-mode rule in autograd 1.9, so dicts get one here.
@primitive
def _pack_dict(keys, *values):
    return dict(zip(keys, values, strict=True))


def _pack_dict_vjp(argnum, ans, args, kwargs):
    key = args[0][argnum - 1]
    return lambda cotangent: cotangent[key]


def _pack_dict_jvp(argnum, tangent, ans, args, kwargs):
    # The tangent of one value, placed under its key in an otherwise zero dict.
    return container_untake(tangent, args[0][argnum - 1], vspace(ans))


defvjp_argnum(_pack_dict, _pack_dict_vjp)
defjvp_argnum(_pack_dict, _pack_dict_jvp)


class FlatProblem:
    """G, theta0 and eps0 with structured parameters, rewritten on flat vectors.

    Build it with :meth:`build`, which returns None when theta0 and eps0 are
    both plain arrays and nothing needs rewriting.
    """

    def __init__(self, estimating_equation, theta0, eps0):
        self.theta_structure, self.theta0 = describe(theta0, "theta0")
        self.eps_structure, self.eps0 = describe(eps0, "eps0")
        self._user_equation = estimating_equation

    @classmethod
    def build(cls, estimating_equation, theta0, eps0) -> "FlatProblem | None":
        if not (is_structured(theta0) or is_structured(eps0)):
            return None
        return cls(estimating_equation, theta0, eps0)

    def estimating_equation(self, theta_flat, eps_flat):
        output = self._user_equation(
            unflatten(theta_flat, self.theta_structure), unflatten(eps_flat, self.eps_structure)
        )
        return flatten(output, self.theta_structure, "estimating_equation output")

    def flatten_eps(self, eps, name: str = "eps"):
        return flatten(eps, self.eps_structure, name)

    def unflatten_theta(self, theta_flat):
        return unflatten(theta_flat, self.theta_structure)
