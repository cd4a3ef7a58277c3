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
# # The infinitesimal jackknife on real data
#
# Leave-one-out refits tell how much each observation moves a fitted model,
# and the jackknife turns them into standard errors, but they cost one
# optimization per observation. This notebook fits a
# logistic regression to the breast-cancer data bundled with scikit-learn,
# treats the data weights (one per patient) as the hyperparameter ε, and
# approximates every leave-one-out fit with Taylor
# series of order 1, 2 and 3 around ε0 = 1 (all weights one). Order 1 is the
# classical infinitesimal jackknife; orders 2 and 3 are its higher-order
# versions. Each approximation is compared with an exact refit.
#
# You need: logistic regression, the idea of a Taylor series, and
# `implicit_optimum.TaylorExpansion`, which returns the derivatives
# θ_k = d^k/dt^k θ̂(ε0 + t·δ) at t = 0 along a direction δ.

# %%
import time

import matplotlib.pyplot as plt
import numpy as onp

from implicit_optimum import TaylorExpansion
from implicit_optimum.problems import breast_cancer_design, weighted_logistic_equation

# %% [markdown]
# ## The model
#
# With standardized features and an intercept column in the design X, the
# weighted, ridge-penalized logistic loss has the estimating equation
#
# G(θ, w) = Σ_i w_i (σ(x_iᵀθ) − y_i) x_i + λ θ,
#
# which is linear in the weights w. Leaving out observation i sets w_i = 0,
# so the leave-one-out fit is θ̂(ε0 + δ) with δ = −e_i.

# %%
features, labels = breast_cancer_design()
ridge = 1.0
estimating_equation = weighted_logistic_equation(features, labels, ridge)
rows, dim_theta = features.shape


def fit(weights, theta_start, tol=1e-10):
    """Newton's method with the exact Hessian X^T diag(w p (1 - p)) X + ridge I.

    Returns the solution and the number of Newton steps taken.
    """
    theta = theta_start.copy()
    for steps in range(50):
        gradient = estimating_equation(theta, weights)
        if onp.max(onp.abs(gradient)) < tol:
            return theta, steps
        probabilities = 1 / (1 + onp.exp(-features @ theta))
        curvature = weights * probabilities * (1 - probabilities)
        hessian = features.T @ (curvature[:, None] * features) + ridge * onp.eye(dim_theta)
        theta = theta - onp.linalg.solve(hessian, gradient)
    raise RuntimeError("Newton's method did not converge")


weights0 = onp.ones(rows)
theta0, _ = fit(weights0, onp.zeros(dim_theta))
print(f"{rows} observations, {dim_theta} parameters")
print(
    f"residual max |G(theta0, 1)| = {onp.max(onp.abs(estimating_equation(theta0, weights0))):.1e}"
)

# %% [markdown]
# ## The Taylor expansion
#
# One `TaylorExpansion` serves all leave-one-out directions: it factors
# ∂G/∂θ once.
# `linear_in_eps=True` declares that G is linear in the weights, which the
# constructor checks, and lets the expansion skip every term with two or more
# weight derivatives.

# %%
expansion = TaylorExpansion(estimating_equation, theta0, weights0, order=3, linear_in_eps=True)

start = time.perf_counter()
series = {order: onp.empty((rows, dim_theta)) for order in (1, 2, 3)}
for i in range(rows):
    direction = onp.zeros(rows)
    direction[i] = -1.0
    theta1, theta2, theta3 = expansion.derivatives(direction)
    series[1][i] = theta0 + theta1
    series[2][i] = series[1][i] + theta2 / 2
    series[3][i] = series[2][i] + theta3 / 6
taylor_seconds = time.perf_counter() - start

start = time.perf_counter()
refits = onp.empty((rows, dim_theta))
newton_steps = onp.empty(rows, dtype=int)
for i in range(rows):
    weights = weights0.copy()
    weights[i] = 0.0
    refits[i], newton_steps[i] = fit(weights, theta0)
refit_seconds = time.perf_counter() - start

print(f"Taylor series of orders 1-3 for all {rows} points: {taylor_seconds:.2f} s")
print(f"exact leave-one-out refits:                      {refit_seconds:.2f} s")
print(
    f"Newton steps per refit from theta0: median {onp.median(newton_steps):.0f}, "
    f"max {newton_steps.max()}"
)

# %% [markdown]
# ## How good are the approximations?
#
# The error of an approximation is the largest absolute difference from the
# exact refit over all coefficients. The influence of a point is the size
# of the change its removal causes, max |θ̂₋ᵢ − θ0|.

# %%
errors = {order: onp.max(onp.abs(series[order] - refits), axis=1) for order in (1, 2, 3)}
influence = onp.max(onp.abs(refits - theta0), axis=1)

for order in (1, 2, 3):
    print(
        f"order {order}: median error {onp.median(errors[order]):.2e}, "
        f"largest error {onp.max(errors[order]):.2e}"
    )
print(f"median influence {onp.median(influence):.2e}, largest {onp.max(influence):.2e}")

# The slope of log(error) against log(influence) estimates the power of the
# influence in the error. It is fitted over points of moderate influence,
# 1e-5 to 1e-2: below, errors reach rounding level; above, few points remain.
for order in (1, 2, 3):
    usable = (influence > 1e-5) & (influence < 1e-2) & (errors[order] > 1e-13)
    slope = onp.polyfit(onp.log(influence[usable]), onp.log(errors[order][usable]), 1)[0]
    print(f"order {order}: error grows like influence^{slope:.2f}")
most_influential = int(onp.argmax(influence))
print(
    f"most influential point: influence {influence[most_influential]:.3f}, errors "
    + ", ".join(f"{errors[order][most_influential]:.3f}" for order in (1, 2, 3))
    + " at orders 1, 2, 3"
)

# %%
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
boxes = left.boxplot([errors[order] for order in (1, 2, 3)], tick_labels=["1", "2", "3"])
left.legend(
    [boxes["medians"][0], boxes["boxes"][0], boxes["fliers"][0]],
    ["median", "quartiles (box) and 1.5 IQR (whiskers)", "points beyond the whiskers"],
    fontsize="small",
    loc="upper right",
)
left.set_yscale("log")
left.set_xlabel("order of the Taylor series")
left.set_ylabel("max |approximation − refit| over coefficients (log scale)")
left.set_title("Leave-one-out approximation error by order")

for order, marker in zip((1, 2, 3), ("o", "s", "^"), strict=True):
    right.scatter(influence, errors[order], s=10, marker=marker, label=f"order {order}")
right.set_xscale("log")
right.set_yscale("log")
right.set_xlabel("influence of the point left out, max |refit − θ0| (log scale)")
right.set_ylabel("approximation error (log scale)")
right.set_title("Error grows with influence, faster at low order")
right.legend()
figure.tight_layout()

# %% [markdown]
# Each extra order reduces the typical error, and the error grows with the
# influence of the point left out, faster for higher orders, with the powers
# printed above. For the most influential points, the ones a jackknife is
# usually run to find, the series help little: the printed errors for the
# most influential point are of the same size as its influence. Those points
# deserve an exact refit.
#
# ## Jackknife standard errors
#
# The jackknife estimates the standard error of each coefficient from the
# spread of the leave-one-out fits, se_j = sqrt((n − 1)/n · Σ_i (θ₋ᵢ − θ̄)_j²).
# Using the Taylor approximations in place of the refits gives the
# (higher-order) infinitesimal jackknife.


# %%
def jackknife_standard_errors(leave_one_out):
    centered = leave_one_out - leave_one_out.mean(axis=0)
    return onp.sqrt((rows - 1) / rows * onp.sum(centered**2, axis=0))


exact_se = jackknife_standard_errors(refits)
for order in (1, 2, 3):
    approximate_se = jackknife_standard_errors(series[order])
    relative = onp.abs(approximate_se - exact_se) / exact_se
    print(
        f"order {order}: relative error of the {dim_theta} standard errors: "
        f"median {onp.median(relative):.2e}, largest {onp.max(relative):.2e}"
    )

# %% [markdown]
# The jackknife's sum of squares is dominated by the few influential points,
# which the series approximate worst, so the approximate standard errors
# inherit their error: the printed relative errors shrink with the order,
# but slowly. Refitting the handful of most influential points exactly and
# using the series for the rest is a natural hybrid.

# %% [markdown]
# The timing cell compares the two costs on this problem. Here a refit is
# cheap, because Newton's method with an exact Hessian converges in the few
# steps printed there from θ0. The cost of the series does not depend on how
# hard the original fit was, so it is most useful for models whose refits
# need many iterations or a general-purpose optimizer.
