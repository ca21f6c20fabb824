#!/usr/bin/python3
"""Compare package forest with scikit-learn's IsolationForest.

Run from the repository root (needs Debian's python3-sklearn and Go):

    /usr/bin/python3 forest/compare/compare.py            # every set, about 10 minutes
    /usr/bin/python3 forest/compare/compare.py --quick    # small sets only, no timing run

For each synthetic data set it fits IsolationForest(n_estimators=100,
max_samples=256) and our forest (Trees 100, SampleSize 256) with the seeds
0..9, computes the ROC AUC of the scores against the injected anomalies, and
prints both means side by side. The 1,000,000 x 8 set is the speed anchor of
the reference (N(0, I) plus 1% uniform[-6, 6] anomalies): it is fitted and
scored once by each, single-threaded, and the time ratios are printed.

The Go half is TestSklearnComparisonHelper in package forest, run with
`go test -cpu 1` on data written to a temporary directory; nothing is kept.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

SEEDS = list(range(10))
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def inject(rng, normal, fraction, low, high):
    """Append round(fraction * n) anomalies uniform in [low, high]^d; shuffle."""
    n_anom = max(1, int(round(fraction * len(normal) / (1 - fraction))))
    anomalies = rng.uniform(low, high, size=(n_anom, normal.shape[1]))
    X = np.vstack([normal, anomalies])
    y = np.r_[np.zeros(len(normal)), np.ones(n_anom)]
    order = rng.permutation(len(X))
    return X[order], y[order]


def mixture(rng, n, dims, centers, scale):
    """n rows from a mixture of Gaussians with random centres in [-centers, centers]."""
    k = 3
    means = rng.uniform(-centers, centers, size=(k, dims))
    which = rng.integers(0, k, size=n)
    return means[which] + rng.normal(0, scale, size=(n, dims))


def data_sets(quick):
    rng = np.random.default_rng(20261126)
    sets = []

    # Few anomalies make the AUC of one forest noisy: with 5 anomalies in 500
    # rows its sd over seeds is about 0.013, so two identical algorithms
    # differ by more than 0.01 in the mean over 10 seeds about one time in
    # ten. The small sets therefore have at least 25 anomalies.
    normal = rng.normal(0, 1, size=(475, 2))
    sets.append(("gauss 2d, 5% (500 rows)", *inject(rng, normal, 0.05, -4, 4)))

    normal = rng.normal(0, 1, size=(4950, 2))
    sets.append(("gauss 2d, 1%", *inject(rng, normal, 0.01, -4, 4)))

    normal = mixture(rng, 4750, 5, 3, 1.0)
    sets.append(("mixture 5d, 5%", *inject(rng, normal, 0.05, -6, 6)))

    # Idle-container shape: constant columns, a heavy-tailed one, a few live ones.
    normal = np.hstack([
        mixture(rng, 9700, 4, 2, 0.5),
        np.full((9700, 3), 7.0),                 # constant
        rng.standard_t(2, size=(9700, 1)),       # heavy tails
    ])
    X, y = inject(rng, normal, 0.03, -5, 5)
    X[:, 4:7] = 7.0                              # anomalies share the constant columns
    sets.append(("8d, 3 constant + 1 t(2) column, 3%", X, y))

    normal = np.hstack([
        mixture(rng, 18000, 16, 2, 1.0),
        np.zeros((18000, 4)),                    # constant
    ])
    X, y = inject(rng, normal, 0.10, -5, 5)
    X[:, 16:] = 0.0
    sets.append(("20d, 4 constant, 10%", X, y))

    if not quick:
        normal = np.hstack([
            mixture(rng, 98000, 30, 2, 1.0),
            rng.standard_t(3, size=(98000, 8)),  # heavy tails
            np.full((98000, 2), -1.5),           # constant
        ])
        # Uniform anomalies in 40 dimensions are trivially far (AUC 1): here
        # an anomaly is a normal row with 4 of its mixture columns shifted by
        # 2.5 to 4 sd.
        n_anom = 2000
        anomalies = normal[rng.choice(len(normal), size=n_anom, replace=False)].copy()
        for row in anomalies:
            cols = rng.choice(30, size=4, replace=False)
            row[cols] += rng.choice([-1, 1], size=4) * rng.uniform(2.5, 4, size=4)
        X = np.vstack([normal, anomalies])
        y = np.r_[np.zeros(len(normal)), np.ones(n_anom)]
        order = rng.permutation(len(X))
        sets.append(("40d, 8 t(3) + 2 constant, 2% (100k rows)", X[order], y[order]))

    return sets


def speed_set():
    rng = np.random.default_rng(42)
    n = 1_000_000
    X = rng.normal(0, 1, size=(n, 8))
    y = np.zeros(n)
    anomalous = rng.choice(n, size=n // 100, replace=False)
    X[anomalous] = rng.uniform(-6, 6, size=(len(anomalous), 8))
    y[anomalous] = 1
    return X, y


def sklearn_aucs(X, y, seeds):
    aucs = []
    for seed in seeds:
        clf = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X)
        aucs.append(roc_auc_score(y, -clf.score_samples(X)))
    return aucs


def main():
    quick = "--quick" in sys.argv[1:]
    sets = data_sets(quick)
    speed = None if quick else speed_set()

    with tempfile.TemporaryDirectory(prefix="forest-compare-") as tmp:
        manifest = []
        for i, (name, X, _) in enumerate(sets):
            np.ascontiguousarray(X, dtype="<f8").tofile(os.path.join(tmp, f"set{i}.f64"))
            manifest.append({"name": f"set{i}", "file": f"set{i}.f64", "rows": X.shape[0],
                             "cols": X.shape[1], "seeds": SEEDS, "timing": False})
        if speed is not None:
            np.ascontiguousarray(speed[0], dtype="<f8").tofile(os.path.join(tmp, "speed.f64"))
            manifest.append({"name": "speed", "file": "speed.f64", "rows": speed[0].shape[0],
                             "cols": 8, "seeds": [0], "timing": True})
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f)

        env = dict(os.environ, FOREST_COMPARE_DIR=tmp)
        cmd = ["go", "test", "-count=1", "-cpu", "1", "-timeout", "30m",
               "-run", "^TestSklearnComparisonHelper$", "./forest/"]
        done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit("go helper failed:\n" + done.stdout + done.stderr)
        with open(os.path.join(tmp, "timings.json")) as f:
            timings = json.load(f)

        def ours(name, n, seeds):
            s = np.fromfile(os.path.join(tmp, name + ".scores"), dtype="<f8")
            return s.reshape(len(seeds), n)

        print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
              f"IsolationForest(n_estimators=100, max_samples=256) vs forest.Options{{Trees: 100, SampleSize: 256}}")
        print(f"mean ROC AUC over seeds {SEEDS[0]}..{SEEDS[-1]} (sd in brackets)\n")
        header = f"{'data set':44} {'rows':>8} {'dims':>4} {'anom':>5}  {'sklearn':>15}  {'forest':>15}  {'diff':>7}"
        print(header)
        print("-" * len(header))
        worst = 0.0
        for i, (name, X, y) in enumerate(sets):
            sk = sklearn_aucs(X, y, SEEDS)
            go = [roc_auc_score(y, s) for s in ours(f"set{i}", len(X), SEEDS)]
            diff = np.mean(go) - np.mean(sk)
            worst = max(worst, abs(diff))
            print(f"{name:44} {len(X):>8} {X.shape[1]:>4} {y.mean():>5.1%}  "
                  f"{np.mean(sk):.4f} ({np.std(sk):.4f})  {np.mean(go):.4f} ({np.std(go):.4f})  {diff:+.4f}",
                  flush=True)

        if speed is not None:
            X, y = speed
            fits = []
            for seed in range(3):
                start = time.perf_counter()
                clf = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(X)
                fits.append(time.perf_counter() - start)
            start = time.perf_counter()
            sk_scores = -clf.score_samples(X)
            sk_score_time = time.perf_counter() - start
            sk_fit = sorted(fits)[1]
            go_auc = roc_auc_score(y, ours("speed", len(X), [0])[0])
            sk_auc = roc_auc_score(y, sk_scores)
            t = timings["speed"]
            print(f"{'1M x 8 speed set, 1% (seed 2 / 0)':44} {len(X):>8} {8:>4} {y.mean():>5.1%}  "
                  f"{sk_auc:.4f}           {go_auc:.4f}           {go_auc - sk_auc:+.4f}")
            print("\ntiming on 1,000,000 x 8, single thread (sklearn: median of 3 fits; forest: median of 5)")
            print(f"{'':10} {'sklearn':>12} {'forest':>12} {'ratio':>9}")
            print(f"{'fit':10} {sk_fit:>11.4f}s {t['fit_seconds']:>11.4f}s {sk_fit / t['fit_seconds']:>8.0f}x")
            print(f"{'score':10} {sk_score_time:>11.2f}s {t['score_seconds']:>11.3f}s "
                  f"{sk_score_time / t['score_seconds']:>8.0f}x")
            print(f"{'rows/s':10} {len(X) / sk_score_time:>12,.0f} {len(X) / t['score_seconds']:>12,.0f}")

        print(f"\nlargest |AUC difference| over the seeded sets: {worst:.4f} (issue 3 allows 0.01)")
        if worst > 0.01:
            sys.exit(1)


if __name__ == "__main__":
    main()
