"""Benchmark the primitive against the naive formulation, the Taylor reference and vittles.

Run ``python -m implicit_optimum.benchmark`` for the default (``--quick``)
problems; ``--help`` lists the options. For every problem, order and mode, each
method is set up and checked against the Taylor reference. The methods are
then timed interleaved in one process, and the reported time is the median.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from .bench_methods import METHODS, prepare_method, reference_value
from .problems import PROBLEMS, QUICK_PROBLEMS, logistic_weights

MODES = ("forward", "reverse")
AGREEMENT_TOL = 1e-6
DEFAULT_JSON = Path("benchmark_results") / "benchmark.json"
DEFAULT_PLOT = Path("benchmark_results") / "benchmark.png"


def parse_orders(text: str) -> list[int]:
    """Parse "1-4" or "1,2,3" into a list of positive orders."""
    orders = []
    for piece in text.split(","):
        piece = piece.strip()
        if "-" in piece:
            low, high = piece.split("-", 1)
            orders.extend(range(int(low), int(high) + 1))
        elif piece:
            orders.append(int(piece))
    if not orders or min(orders) < 1:
        raise argparse.ArgumentTypeError(
            f"--orders must list positive integers such as 1-4 or 1,2,3; got {text!r}"
        )
    return sorted(set(orders))


def parse_names(text: str, allowed, option: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{option}: unknown name(s) {unknown or text!r}; choose from {', '.join(allowed)}"
        )
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m implicit_optimum.benchmark",
        description=__doc__.splitlines()[0],
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick",
        action="store_true",
        help=f"run the default problems ({', '.join(QUICK_PROBLEMS)}); this is the default",
    )
    size.add_argument("--full", action="store_true", help="also run the larger synthetic problem")

    # What to run.
    parser.add_argument(
        "--problems",
        type=lambda text: parse_names(text, tuple(PROBLEMS), "--problems"),
        help=f"comma-separated problems to run, from: {', '.join(PROBLEMS)}",
    )
    parser.add_argument(
        "--orders", type=parse_orders, default=[1, 2, 3, 4], help="orders, e.g. 1-4 or 1,3"
    )
    parser.add_argument(
        "--methods",
        type=lambda text: parse_names(text, METHODS, "--methods"),
        default=list(METHODS),
        help=f"comma-separated methods, from: {', '.join(METHODS)}",
    )
    parser.add_argument(
        "--modes",
        type=lambda text: parse_names(text, MODES, "--modes"),
        default=list(MODES),
        help="comma-separated modes: forward, reverse",
    )

    # Outputs.
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"JSON output path (default {DEFAULT_JSON})"
    )
    parser.add_argument(
        "--plot", type=Path, default=DEFAULT_PLOT, help=f"plot output path (default {DEFAULT_PLOT})"
    )
    parser.add_argument(
        "--no-plot", action="store_true", help="skip the plot (no matplotlib needed)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    # Timing and size.
    parser.add_argument(
        "--budget",
        type=float,
        default=2.0,
        help="target seconds of timed runs per problem, order and mode (default 2.0)",
    )
    parser.add_argument(
        "--min-repeats", type=int, default=3, help="fewest timed runs per method (default 3)"
    )
    parser.add_argument(
        "--max-repeats", type=int, default=50, help="most timed runs per method (default 50)"
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="use only the first ROWS rows of the breast-cancer data (for smoke tests)",
    )
    return parser


def machine_info() -> dict:
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/meminfo") as meminfo:
            total_kib = int(meminfo.readline().split()[1])
        info["memory_gib"] = round(total_kib / 2**20, 1)
    except (OSError, ValueError, IndexError):
        info["memory_gib"] = None
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def package_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("implicit_optimum", "autograd", "numpy", "scipy", "vittles", "scikit-learn"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def benchmark_case(problem, order: int, mode: str, methods, args) -> list[dict]:
    """Check and time every method on one problem, order and mode; return records."""
    _, relative_difference = reference_value(problem, order, mode)
    prepared = [prepare_method(name, problem, order, mode) for name in methods]
    prepared = [method for method in prepared if method is not None]

    records = {}
    slowest = 0.0
    for method in prepared:
        start = time.perf_counter()
        result, counts = method.run_counted()
        elapsed = time.perf_counter() - start
        slowest = max(slowest, elapsed)
        records[method.name] = {
            "problem": problem.name,
            "d": problem.d,
            "p": problem.p,
            "order": order,
            "mode": mode,
            "method": method.name,
            "seconds": None,
            "repeats": 0,
            "max_rel_diff": relative_difference(result) if method.computes_derivative else None,
            "setup_seconds": method.setup_seconds,
            **counts,
        }

    total_per_round = max(slowest * len(prepared), 1e-9)
    repeats = int(min(args.max_repeats, max(args.min_repeats, args.budget / total_per_round)))
    times = {method.name: [] for method in prepared}
    for _ in range(repeats):
        for method in prepared:
            start = time.perf_counter()
            method.run()
            times[method.name].append(time.perf_counter() - start)
    for name, samples in times.items():
        records[name]["seconds"] = statistics.median(samples)
        records[name]["repeats"] = len(samples)
    return list(records.values())


def run_benchmark(problems, orders, modes, methods, args, progress: bool = True) -> list[dict]:
    cases = [(problem, order, mode) for problem in problems for order in orders for mode in modes]
    bar = _progress_bar(len(cases), progress)
    records = []
    for problem, order, mode in cases:
        if bar is not None:
            bar.set_description(f"{problem.name} order {order} {mode}")
        records.extend(benchmark_case(problem, order, mode, methods, args))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return records


def _progress_bar(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="case", file=sys.stderr)


def format_table(records: list[dict]) -> str:
    """Return the records as a text table, with each time relative to the primitive's."""
    primitive_seconds = {
        (r["problem"], r["order"], r["mode"]): r["seconds"]
        for r in records
        if r["method"] == "primitive"
    }
    header = (
        f"{'problem':<17}{'order':>5}  {'mode':<8}{'method':<10}{'seconds':>11}"
        f"{'x primitive':>12}{'rel diff':>10}{'G evals':>9}{'solves':>8}{'factor.':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in records:
        reference = primitive_seconds.get((r["problem"], r["order"], r["mode"]))
        ratio = f"{r['seconds'] / reference:.2f}" if reference else "-"
        lines.append(
            f"{r['problem']:<17}{r['order']:>5}  {r['mode']:<8}{r['method']:<10}"
            f"{r['seconds']:>11.3e}{ratio:>12}{_difference(r['max_rel_diff']):>10}"
            f"{_count(r['g_evals']):>9}{_count(r['solves']):>8}{_count(r['factorizations']):>8}"
        )
    return "\n".join(lines)


def _difference(value) -> str:
    return "-" if value is None else f"{value:.1e}"


def _count(value) -> str:
    return "-" if value is None else str(value)


def format_targets(records: list[dict]) -> str:
    """Summarize the speed ratios that the project tracks on logistic_weights."""
    seconds = {
        (r["order"], r["mode"], r["method"]): r["seconds"]
        for r in records
        if r["problem"] == "logistic_weights"
    }
    lines = []
    for order in sorted({key[0] for key in seconds}):
        parts = []
        for mode in MODES:
            primitive = seconds.get((order, mode, "primitive"))
            naive = seconds.get((order, mode, "naive"))
            if primitive and naive:
                parts.append(f"naive/primitive ({mode}) {naive / primitive:.1f}x")
        taylor = seconds.get((order, "forward", "taylor"))
        vittles = seconds.get((order, "forward", "vittles"))
        primitive = seconds.get((order, "forward", "primitive"))
        floor = seconds.get((order, "forward", "floor"))
        if taylor and vittles:
            parts.append(f"vittles/taylor {vittles / taylor:.2f}x")
        if taylor and primitive:
            parts.append(f"primitive/taylor {primitive / taylor:.2f}x")
        if taylor and floor:
            parts.append(f"taylor/floor {taylor / floor:.1f}x")
        if parts:
            lines.append(f"order {order}: " + ", ".join(parts))
    if not lines:
        return ""
    return "Ratios on logistic_weights (median seconds):\n" + "\n".join(lines)


def write_plot(records: list[dict], path: Path) -> None:
    """Plot time against order, one line per method and mode, one panel per problem."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    problems = list(dict.fromkeys(r["problem"] for r in records))
    figure, axes = plt.subplots(1, len(problems), figsize=(5.5 * len(problems), 4.2), squeeze=False)
    for axis, problem in zip(axes[0], problems, strict=True):
        rows = [r for r in records if r["problem"] == problem]
        series = dict.fromkeys((r["method"], r["mode"]) for r in rows)
        for method, mode in series:
            points = sorted(
                (r["order"], r["seconds"])
                for r in rows
                if r["method"] == method and r["mode"] == mode
            )
            orders, seconds = zip(*points, strict=True)
            axis.plot(
                orders,
                seconds,
                marker="o",
                linestyle="-" if mode == "forward" else "--",
                label=f"{method} ({mode})",
            )
        first = rows[0]
        axis.set_title(f"{problem} (d={first['d']}, p={first['p']})")
        axis.set_xlabel("derivative order k")
        axis.set_ylabel("median time per derivative (s, log scale)")
        axis.set_yscale("log")
        axis.set_xticks(sorted({r["order"] for r in rows}))
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    figure.suptitle("Time of the k-th derivative of thetahat by method")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def load_problems(names, rows):
    problems = []
    for name in names:
        if name == "logistic_weights" and rows is not None:
            problems.append(logistic_weights(rows=rows))
        else:
            problems.append(PROBLEMS[name]())
    return problems


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.problems:
        names = args.problems
    elif args.full:
        names = list(PROBLEMS)
    else:
        names = list(QUICK_PROBLEMS)

    problems = load_problems(names, args.rows)
    records = run_benchmark(
        problems, args.orders, args.modes, args.methods, args, progress=not args.no_progress
    )

    print(format_table(records))
    targets = format_targets(records)
    if targets:
        print()
        print(targets)

    output = {"machine": machine_info(), "versions": package_versions(), "records": records}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(output, indent=2))
    print(f"\nJSON written to {args.json}")
    if not args.no_plot:
        write_plot(records, args.plot)
        print(f"Plot written to {args.plot}")

    disagreeing = [
        r
        for r in records
        if r["max_rel_diff"] is not None and not r["max_rel_diff"] <= AGREEMENT_TOL
    ]
    if disagreeing:
        for r in disagreeing:
            print(
                f"DISAGREEMENT: {r['method']} on {r['problem']} order {r['order']} "
                f"{r['mode']}: relative difference {r['max_rel_diff']:.3g} from taylor "
                f"exceeds {AGREEMENT_TOL:g}",
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
