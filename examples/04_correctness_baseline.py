# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A correctness baseline for your own derivatives
#
# Suppose you wrote the derivatives of an optimum by hand, or in another
# framework, and want to know whether they are right. This notebook uses
# `implicit_optimum.testing.check_sensitivity` to compare two hand-written
# implementations of the sensitivity of a weighted mean with the library's
# primitive: one correct, and one with a common bug. The helper reports the
# disagreement order by order.
#
# You need: the weighted mean, and the idea that ∂G/∂θ may depend on the
# hyperparameter.

# %%
import autograd.numpy as np
import numpy as onp

from implicit_optimum.testing import SensitivityMismatchError, check_sensitivity

# %% [markdown]
# ## The problem
#
# The weighted mean θ̂(w) = Σ w_i x_i / Σ w_i solves
#
# G(θ, w) = Σ_i w_i (θ − x_i) = 0,
#
# with ∂G/∂θ = Σ w_i, which depends on the weights w. Along a direction δ in
# the weights, write s = Σ w_i and c = Σ δ_i.

# %%
rng = onp.random.default_rng(4)
points = rng.normal(loc=2.0, size=50)
weights0 = onp.ones(50)
theta0 = onp.sum(weights0 * points) / onp.sum(weights0)


def estimating_equation(theta, weights):
    return np.sum(weights * (theta - points))


# %% [markdown]
# ## Two hand-written implementations
#
# Differentiating G(θ(t), w + tδ) = 0 repeatedly gives s θ_1 = −Σ δ_i (θ0 − x_i)
# and, for k ≥ 2, s θ_k = −k c θ_{k−1}. The buggy version treats ∂G/∂θ as
# if it did not change with the weights, so it drops the term c θ_{k−1} that
# comes from differentiating s: its second and higher derivatives are zero.


# %%
def correct_derivatives(direction, order=3):
    total, change = onp.sum(weights0), onp.sum(direction)
    derivatives = [-onp.sum(direction * (theta0 - points)) / total]
    for k in range(2, order + 1):
        derivatives.append(-k * change * derivatives[-1] / total)
    return derivatives


def frozen_derivatives(direction, order=3):
    total = onp.sum(weights0)
    first = -onp.sum(direction * (theta0 - points)) / total
    return [first] + [0.0] * (order - 1)


# %% [markdown]
# ## Checking them
#
# `check_sensitivity` builds the primitive from G, θ0 and ε0, takes its
# derivatives along two random directions, and compares each order. The
# correct implementation passes:

# %%
report = check_sensitivity(correct_derivatives, estimating_equation, theta0, weights0, order=3)
print(report)

# %% [markdown]
# The frozen one fails from order 2 on. By default the helper raises an
# `AssertionError` subclass, so it works inside any test suite; here the
# error is caught to show its message.

# %%
try:
    check_sensitivity(frozen_derivatives, estimating_equation, theta0, weights0, order=3)
except SensitivityMismatchError as error:
    print(error)

# %% [markdown]
# The first derivatives agree, so a check at order 1 alone, the usual
# gradient check, would not have found the bug. The helper can also check a
# Jacobian (`kind="jacobian"`) or a Taylor series (`kind="series"`). Here it
# compares the frozen implementation's second-order series with the
# second-order Taylor polynomial of θ̂ built from the primitive's derivatives,
# at the points ε0 + 0.1δ and ε0 + 0.01δ, and returns the report without
# raising:


# %%
def frozen_series(weights):
    first, second = frozen_derivatives(weights - weights0, order=2)
    return theta0 + first + second / 2


report = check_sensitivity(
    frozen_series, estimating_equation, theta0, weights0, kind="series", order=2,
    rtol=1e-9, raise_on_failure=False,
)  # fmt: skip
print(report)
print("passed:", report.passed)

# %% [markdown]
# At the nearer point the error of the missing second-order term is smaller,
# as expected for a term of order (0.01)². A series check therefore needs a
# tight tolerance, or a point far enough from ε0, to expose a wrong
# higher-order term.
