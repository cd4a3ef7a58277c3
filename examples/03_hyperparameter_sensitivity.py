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
# # Hyperparameter sensitivity: a ridge path from one fit
#
# How would a fitted model change under another regularization strength?
# This notebook fits a ridge-penalized logistic regression to the
# breast-cancer data bundled with scikit-learn at one penalty λ0. It then
# predicts the whole path θ̂(λ) from Taylor series of orders 1 to 4 around
# λ0, and compares it with exact re-solves over a range of λ. The plots show
# where each order is accurate and where it breaks down.
#
# You need: ridge regularization, Taylor series, and
# `implicit_optimum.TaylorExpansion`.

# %%
import autograd.numpy as np
import matplotlib.pyplot as plt
import numpy as onp
from sklearn.datasets import load_breast_cancer

from implicit_optimum import TaylorExpansion
from implicit_optimum.problems import breast_cancer_design

# %% [markdown]
# ## The model and its estimating equation
#
# For the penalty λ, the coefficients θ̂(λ) solve
#
# G(θ, λ) = Σ_i (σ(x_iᵀθ) − y_i) x_i + λ θ = 0.
#
# Unlike data weights, λ also enters ∂G/∂θ = Xᵀ diag(p(1 − p)) X + λI,
# which is the case a frozen factorization would get wrong. The sigmoid σ is
# written as ½(1 + tanh(z/2)), which equals 1/(1 + e^(−z)) but does not
# overflow for large |z|.

# %%
features, labels = breast_cancer_design()
feature_names = load_breast_cancer().feature_names
dim_theta = features.shape[1]


def estimating_equation(theta, penalty):
    probabilities = 0.5 * (1.0 + np.tanh(0.5 * np.dot(features, theta)))
    return np.dot(probabilities - labels, features) + penalty * theta


def fit(penalty, theta_start, tol=1e-10):
    """Newton's method with the exact Hessian."""
    theta = theta_start.copy()
    for _ in range(100):
        gradient = estimating_equation(theta, penalty)
        if onp.max(onp.abs(gradient)) < tol:
            return theta
        probabilities = 1 / (1 + onp.exp(-features @ theta))
        curvature = probabilities * (1 - probabilities)
        hessian = features.T @ (curvature[:, None] * features) + penalty * onp.eye(dim_theta)
        theta = theta - onp.linalg.solve(hessian, gradient)
    raise RuntimeError("Newton's method did not converge")


penalty0 = 10.0
theta0 = fit(penalty0, onp.zeros(dim_theta))
print(f"lambda0 = {penalty0}, |theta0| = {onp.linalg.norm(theta0):.3f}")

# %% [markdown]
# ## Taylor series against exact re-solves
#
# One `TaylorExpansion` of order 4 gives the series of every lower order as
# well. The exact path re-solves the problem on a logarithmic grid of λ
# around λ0, each solve warm-started from a neighbouring solution.

# %%
expansion = TaylorExpansion(estimating_equation, theta0, penalty0, order=4)
penalties = penalty0 * onp.logspace(-onp.log10(20), onp.log10(20), 61)

exact = {}
theta = theta0
for penalty in sorted(penalties, key=lambda value: abs(onp.log(value / penalty0))):
    exact[penalty] = fit(penalty, theta)
    theta = exact[penalty]
exact_path = onp.array([exact[penalty] for penalty in penalties])

approximations = {
    order: onp.array([expansion.series(penalty, order=order) for penalty in penalties])
    for order in (1, 2, 3, 4)
}
errors = {
    order: onp.linalg.norm(approximations[order] - exact_path, axis=1)
    / onp.linalg.norm(exact_path, axis=1)
    for order in (1, 2, 3, 4)
}
for order in (1, 2, 3, 4):
    below = penalties[errors[order] < 1e-2]
    print(
        f"order {order}: relative error below 1% for lambda in "
        f"[{below.min():.3g}, {below.max():.3g}]"
    )

# %%
colors = {1: "tab:blue", 2: "tab:orange", 3: "tab:green", 4: "tab:red"}
figure, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.3))
for order in (1, 2, 3, 4):
    left.plot(penalties, errors[order], color=colors[order], label=f"order {order}")
left.axvline(penalty0, color="gray", linestyle=":", label="λ0")
left.axhline(1e-2, color="gray", linestyle="--", linewidth=0.8, label="1% error")
left.set_xscale("log")
left.set_yscale("log")
left.set_xlabel("penalty λ (log scale)")
left.set_ylabel("|series − re-solve| / |re-solve| (log scale)")
left.set_title("Relative error of the Taylor series in λ")
left.legend(fontsize="small")

coefficient = int(onp.argmax(onp.abs(theta0[1:]))) + 1
right.plot(penalties, exact_path[:, coefficient], color="black", linewidth=2, label="re-solve")
for order in (1, 2, 4):
    right.plot(
        penalties,
        approximations[order][:, coefficient],
        color=colors[order],
        linestyle="--",
        label=f"order {order}",
    )
right.axvline(penalty0, color="gray", linestyle=":")
right.set_xscale("log")
low, high = exact_path[:, coefficient].min(), exact_path[:, coefficient].max()
right.set_ylim(low - 0.5 * (high - low), high + 0.5 * (high - low))
right.set_xlabel("penalty λ (log scale)")
right.set_ylabel(f"coefficient θ[{coefficient}] (standardized feature)")
right.set_title(f"Path of θ[{coefficient}] ({feature_names[coefficient - 1]})")
right.legend(fontsize="small")
figure.tight_layout()

# %% [markdown]
# Near λ0 every added order gains accuracy. The printed intervals give, for
# each order, the range of λ in which the series stays within 1% of the
# re-solved path. (The right panel leaves out order 3 to stay readable.)
#
# A Taylor series in λ converges only within its radius of convergence, a
# distance |λ − λ0| in λ itself, which the logarithmic axis hides: the grid
# reaches much farther above λ0 than below it, where λ cannot fall below 0.
# To the right, where the grid leaves the radius, the curves of all orders
# cross, and beyond the crossing adding terms makes the approximation worse.
# To the left every λ on the grid is within the radius, so higher orders keep
# helping, though slowly.
