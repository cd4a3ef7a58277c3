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
# # The trick, step by step
#
# This notebook shows how `implicit_optimum` differentiates an optimum with
# respect to a hyperparameter: the implicit function theorem, one autograd
# primitive whose derivative rules call themselves, and derivatives of every
# order in forward, reverse and mixed mode. It checks them against finite
# differences of re-solved problems, counts why the naive formulation is slow,
# and ends with the benchmark's table for this problem.
#
# You need: autograd's `grad`, `jacobian` and `make_jvp`, and a little
# calculus.

# %%
import autograd
import autograd.numpy as np
import numpy as onp

from implicit_optimum import TaylorExpansion, benchmark, make_thetahat
from implicit_optimum.bench_methods import prepare_method
from implicit_optimum.problems import newton_solve, quintic

# %% [markdown]
# ## The implicit function theorem
#
# Suppose θ̂(ε) solves the first-order conditions G(θ̂(ε), ε) = 0 for every ε
# near ε0. Differentiating this identity in ε gives
#
# ∂G/∂θ · dθ̂/dε + ∂G/∂ε = 0, so dθ̂/dε = −[∂G/∂θ]⁻¹ ∂G/∂ε,
#
# evaluated at (θ̂(ε), ε). The right-hand side is again a function of ε
# through θ̂(ε), so differentiating it once more needs dθ̂/dε again, and so
# on: one rule, applied recursively, gives every order.
#
# The problem here is the small "quintic" objective of the benchmark, with
# θ in R⁴ and ε in R³:
#
# F(θ, ε) = ½ θᵀAθ + mean(θ − ½)⁵ · mean(ε − ½)⁵, ε0 = 0,
#
# where A = MMᵀ + I for a seeded random 4 × 4 matrix M, and G = ∂F/∂θ.
# Its θ0 was found by Newton's method. The direction δ used below is a
# seeded random normal vector in R³.

# %%
problem = quintic()
estimating_equation = problem.estimating_equation
theta0, eps0, direction = problem.theta0, problem.eps0, problem.direction
print("theta0 =", theta0)
print("direction delta =", direction)
print(f"max |G(theta0, eps0)| = {onp.max(onp.abs(estimating_equation(theta0, eps0))):.1e}")

# %% [markdown]
# ## One primitive, every order
#
# `make_thetahat` wraps G and θ0 into an autograd primitive. Its value is θ0,
# and only at ε0. Its forward rule computes −[∂G/∂θ]⁻¹(∂G/∂ε · dε) at
# (θ̂(ε), ε), calling θ̂ itself, and its reverse rule is the transpose. The
# matrix ∂G/∂θ is factored once, here.

# %%
thetahat = make_thetahat(estimating_equation, theta0, eps0)
print("thetahat(eps0) =", thetahat(eps0))

# %% [markdown]
# The first derivative in reverse mode (`jacobian`) and in forward mode (a
# Jacobian-vector product along a direction δ) agree:

# %%
jacobian = autograd.jacobian(thetahat)(eps0)
forward_first = autograd.make_jvp(thetahat)(eps0)(direction)[1]
print("Jacobian shape:", jacobian.shape)
print(f"max |J delta - jvp| = {onp.max(onp.abs(jacobian @ direction - forward_first)):.1e}")


# %% [markdown]
# Higher orders nest the same operators. The k-th directional derivative
# θ_k = d^k/dt^k θ̂(ε0 + tδ) at t = 0 can be built with k forward layers, k
# reverse layers, or any mix:


# %%
def forward(function):
    """eps -> the derivative of function along the direction, by forward mode."""
    return lambda eps: autograd.make_jvp(function)(eps)(direction)[1]


def reverse(function):
    """eps -> the derivative of function along the direction, by reverse mode."""
    return lambda eps: np.dot(autograd.jacobian(function)(eps), direction)


compositions = {
    "forward-forward-forward": forward(forward(forward(thetahat))),
    "reverse-reverse-reverse": reverse(reverse(reverse(thetahat))),
    "forward-reverse-forward": forward(reverse(forward(thetahat))),
    "reverse-forward-reverse": reverse(forward(reverse(thetahat))),
}
third = {name: function(eps0) for name, function in compositions.items()}
reference = TaylorExpansion(estimating_equation, theta0, eps0, order=3).derivatives(direction)
for name, value in third.items():
    difference = onp.max(onp.abs(value - reference[2])) / onp.max(onp.abs(reference[2]))
    print(f"{name:<26} theta_3 = {onp.round(value, 6)}, relative difference {difference:.1e}")

# %% [markdown]
# The last column compares each with `TaylorExpansion`, the library's
# closed-form reference, described below.
#
# ## A check that does not use derivatives at all
#
# Solve the problem again at ε0 ± hδ and take central differences. They
# approximate θ_1 and θ_2 with errors of order h².

# %%
step = 1e-3
plus = newton_solve(estimating_equation, theta0, eps0 + step * direction, tol=1e-13)
minus = newton_solve(estimating_equation, theta0, eps0 - step * direction, tol=1e-13)
finite_first = (plus - minus) / (2 * step)
finite_second = (plus - 2 * theta0 + minus) / step**2
first_gap = onp.max(onp.abs(finite_first - reference[0]))
second_gap = onp.max(onp.abs(finite_second - reference[1]))
print(f"first order:  max |finite difference - theta_1| = {first_gap:.1e}")
print(f"second order: max |finite difference - theta_2| = {second_gap:.1e}")

# %% [markdown]
# ## Why the naive formulation is slow
#
# The trick is usually first written by forming the dense matrices ∂G/∂θ and
# ∂G/∂ε inside the rule and solving afresh at every call
# (`make_naive_thetahat`). Nested k times, every rule call forms both
# matrices and factors again, and lower orders are recomputed inside higher
# ones. The library's primitive keeps the recursion but factors ∂G/∂θ only
# once: the solve is a primitive of its own whose rules carry the derivative
# of ∂G/∂θ, and every other product is a Jacobian-vector product of G.
# `TaylorExpansion` goes further and solves A θ_k = −R_k once per order,
# reusing θ_1, …, θ_{k−1}.
#
# The counts below are for one k-th directional derivative. "G evals" counts
# Python-level calls of G. A dense Jacobian that autograd forms counts as one
# call, although it costs one backward pass per row, so this count
# understates the naive method's work. "factorizations" includes the one done
# when the primitive or the expansion is built.

# %%
print(f"{'order':>5}  {'method':<10}{'G evals':>9}{'solves':>8}{'factorizations':>16}")
for order in (1, 2, 3, 4):
    for name in ("naive", "primitive", "taylor"):
        _, counts = prepare_method(name, problem, order, "forward").run_counted()
        print(
            f"{order:>5}  {name:<10}{counts['g_evals']:>9}{counts['solves']:>8}"
            f"{counts['factorizations']:>16}"
        )

# %% [markdown]
# The primitive's solves grow quickly with the order because each nested rule
# solves again and recomputes the lower orders, but every solve reuses the one
# factorization. Its G count also grows faster than the naive method's,
# because the naive method's Jacobians count once each. The naive method
# factors at every solve. The Taylor reference needs one solve per order, and
# one call of G per merged term of Faà di Bruno's formula (one for each way of
# splitting k into parts), so its G count grows much more slowly.
#
# ## The benchmark's table for this problem
#
# The same comparison in time, from the benchmark module
# (`python -m implicit_optimum.benchmark --problems quintic`), with a short
# time budget. "x primitive" is each method's median time over the
# primitive's, and "rel diff" is the largest relative difference of its
# result from the Taylor reference, checked before timing. `floor` is one
# factorization, k solves and k Jacobian-vector products, a lower bound for
# any method; its value is a derivative only at order 1.

# %%
arguments = benchmark.build_parser().parse_args(["--budget", "0.3", "--min-repeats", "3"])
records = benchmark.run_benchmark(
    [problem], [1, 2, 3, 4], ["forward"], ["naive", "primitive", "taylor", "floor"],
    arguments, progress=False,
)  # fmt: skip
print(benchmark.format_table(records))

# %% [markdown]
# On this small problem the naive method is only a few times slower than
# the primitive, and the Taylor reference is faster still at every order
# above 1. The gap between the naive method and the primitive widens with
# the size of ε, because only the naive method forms ∂G/∂ε; the benchmark's
# logistic problems show it.
#
# ## Applying it to your own model
#
# 1. Write the first-order conditions G(θ, ε) with `autograd.numpy`, returning
#    an array of θ's shape. For a minimizer, write the objective F(θ, ε) and
#    use the `_from_objective` variants. θ and ε may be floats, arrays of any
#    shape, or tuples and dicts of arrays. ∂G/∂θ must be invertible at the
#    solution.
# 2. Solve for θ0 at ε0 with any optimizer, to a residual max |G(θ0, ε0)|
#    below `residual_tol` (1e-8 by default); a larger residual raises an
#    error that shows it.
# 3. For derivatives at ε0 in any mode, build
#    `thetahat = make_thetahat(G, theta0, eps0)` and apply autograd's
#    operators. θ̂ can only be evaluated at ε0 itself.
# 4. For directional derivatives and Taylor approximations of θ̂ at other ε,
#    build `TaylorExpansion(G, theta0, eps0, order)` and call
#    `.derivatives(direction)` or `.series(eps)`; pass `linear_in_eps=True`
#    when ε enters G linearly, as data weights do.
#
# The README lists every option and error.
