#!/usr/bin/python3
"""Time scikit-learn 1.2 on the synthetic features that packages/heads/scripts/time-heads.mjs times.

    /usr/bin/python3 scripts/sklearn/time_heads.py [--out /tmp/offshelf-head-timing] [--only knn]

Writes X.f32 (20,000 × 1,280 float32, row-major) and y.i32 (10 classes) into --out,
then prints the training time of each scikit-learn estimator with the same
parameters as the TypeScript script. Timings are single runs, on whatever CPU
runs the script.
"""

import argparse
import os
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, LinearSVC

N_SAMPLES, N_FEATURES, N_CLASSES = 20_000, 1_280, 10


def synthetic_features(seed=0):
    """Gaussian classes in 1,280 dimensions: per-class means with spread 0.15, unit noise."""
    rng = np.random.RandomState(seed)
    y = rng.randint(0, N_CLASSES, N_SAMPLES).astype(np.int32)
    centers = rng.normal(0, 0.15, (N_CLASSES, N_FEATURES))
    X = (centers[y] + rng.normal(0, 1, (N_SAMPLES, N_FEATURES))).astype(np.float32)
    return X, y


def timed(name, fit):
    """Print wall time and process CPU time (all threads), the steadier number on a shared machine."""
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = fit()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"{name}: wall {wall:.2f} s, cpu {cpu:.2f} s{result or ''}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/offshelf-head-timing")
    parser.add_argument("--only", choices=["logreg", "linear-svm", "rbf-svm", "knn"], help="time one estimator only")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    X, y = synthetic_features()
    X.tofile(os.path.join(args.out, "X.f32"))
    y.tofile(os.path.join(args.out, "y.i32"))
    X64 = X.astype(np.float64)

    def logreg():
        m = LogisticRegression(C=1.0).fit(X64, y)
        return f" ({m.n_iter_[0]} iterations, train accuracy {m.score(X64, y):.4f})"

    def linear_svm():
        m = LinearSVC(C=0.001, random_state=0).fit(X64, y)
        return f" (train accuracy {m.score(X64, y):.4f})"

    def rbf_svm():
        m = SVC(C=1.0).fit(X64[:2000], y[:2000])
        return f" (2,000 samples, {m.n_support_.sum()} support vectors)"

    def knn():
        m = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X64, y)
        m.predict(X64[:1000])
        return " (fit + predict 1,000 queries)"

    runs = [
        ("logreg C=1 (lbfgs, tol=1e-4, max_iter=100)", logreg),
        ("linear-svm C=0.001 (squared hinge, tol=1e-4)", linear_svm),
        ("rbf-svm C=1 gamma=scale on 2,000 samples", rbf_svm),
        ("knn k=5 Euclidean", knn),
    ]
    for name, fit in runs:
        if args.only is None or name.startswith(args.only + " "):
            timed(name, fit)


if __name__ == "__main__":
    main()
