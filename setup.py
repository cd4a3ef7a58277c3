from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="implicit_optimum",
    version="0.1.0",
    description="Derivatives of optima with respect to hyperparameters, to any order",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["implicit_optimum", "implicit_optimum.*"]),
    python_requires=">=3.10",
    install_requires=["autograd>=1.7", "numpy", "scipy"],
    extras_require={
        "test": [
            "pytest",
            "hypothesis",
            "scikit-learn",
            "matplotlib",
            "tqdm",
            "jupytext",
            "nbclient",
            "nbformat",
            "ipykernel",
        ],
        "examples": ["scikit-learn", "matplotlib", "tqdm", "jupytext", "nbclient", "ipykernel"],
        "bench": ["matplotlib", "tqdm", "scikit-learn", "vittles"],
        "dev": ["ruff==0.17.6"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Mathematics",
    ],
)
