#!/usr/bin/python3
"""Write scikit-learn reference values for packages/heads/test/fixtures/.

Run with Debian's scikit-learn 1.2 (package python3-sklearn):

    /usr/bin/python3 scripts/sklearn/generate_head_fixtures.py [--cnn-features FILE.npz]

Each dataset gets one JSON file with its train/test split and, per model, the
fitted parameters, the objective value at scikit-learn's optimum and the
test-set outputs. The solvers run with tight tolerances so the stored optimum
is the true minimum to about 1e-8 relative.

--cnn-features takes an .npz with X_train, y_train, X_test and y_test and adds a
'cnn' fixture. Without it that fixture is skipped. The float32 features are stored
as their shortest round-trip decimals. Like the other datasets, the union of both
sets is split again 70/30. The committed cnn.json contains pooled Coral MobileNetV2
features (1280 per image) of 40 ants/bees images. The features come from the
product and the reference values from scikit-learn:

    pnpm cli extract hymenoptera/train -o /tmp/hym-train.safetensors
    pnpm cli extract hymenoptera/val -o /tmp/hym-val.safetensors
    /usr/bin/python3 scripts/sklearn/cnn_features_to_npz.py /tmp/hym-train.safetensors /tmp/hym-val.safetensors /tmp/hym.npz
    /usr/bin/python3 scripts/sklearn/generate_head_fixtures.py --cnn-features /tmp/hym.npz
"""

import argparse
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NearestCentroid
from sklearn.calibration import _sigmoid_calibration
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.class_weight import compute_class_weight

OUT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "packages", "heads", "test", "fixtures")


def rounded(values, digits=10):
    """Floats to `digits` significant digits, which keeps the files small."""
    array = np.asarray(values, dtype=float)
    return [float(f"{v:.{digits}g}") for v in array.ravel()] if array.ndim else float(f"{float(array):.{digits}g}")


def matrix(values, digits=10):
    array = np.atleast_2d(np.asarray(values, dtype=float))
    return {"rows": int(array.shape[0]), "columns": int(array.shape[1]), "data": rounded(array, digits)}


def shortest_float32_decimals(values):
    """float32 features as float64 of their shortest round-trip decimals.

    The JSON then stores at most 9 significant digits per value, and scikit-learn fits on exactly the
    numbers the tests parse, instead of on float32 values a few units in the 9th digit away.
    """
    array = np.asarray(values)
    if array.dtype != np.float32:
        return array.astype(float)
    return np.array([float(str(v)) for v in array.ravel()]).reshape(array.shape)


def sample_weights(y, classes, class_weight):
    weights = compute_class_weight(class_weight, classes=classes, y=y) if class_weight is not None else np.ones(len(classes))
    return weights[np.searchsorted(classes, y)], weights


def logistic_objective(model, X, y, C, class_weight):
    """J = ½‖W‖² + C Σ s_i·cross-entropy_i at scikit-learn's solution (intercept unpenalised)."""
    classes = model.classes_
    s, _ = sample_weights(y, classes, class_weight)
    if len(classes) == 2:
        z = X @ model.coef_[0] + model.intercept_[0]
        t = (y == classes[1]).astype(float)
        loss = np.logaddexp(0, z) - t * z
    else:
        Z = X @ model.coef_.T + model.intercept_
        lse = np.logaddexp.reduce(Z, axis=1)
        loss = lse - Z[np.arange(len(y)), np.searchsorted(classes, y)]
    return 0.5 * np.sum(model.coef_ ** 2) + C * np.sum(s * loss)


def linear_svm_objectives(model, X, y, C, loss, class_weight, intercept_scaling=1.0):
    """liblinear's primal per binary problem: ½‖[w; w_B]‖² + Σ C_i ξ_i with the bias feature B.

    Two classes: C_i = C·weight[y_i]. One-vs-rest for class k: C·weight[k] for class k, C for the rest.
    """
    classes = model.classes_
    _, weights = sample_weights(y, classes, class_weight)
    objectives = []
    n_vectors = 1 if len(classes) == 2 else len(classes)
    for v in range(n_vectors):
        positive = 1 if len(classes) == 2 else v
        sign = np.where(y == classes[positive], 1.0, -1.0)
        if len(classes) == 2:
            cost = C * weights[np.searchsorted(classes, y)]
        else:
            cost = np.where(sign > 0, C * weights[v], C)
        w = model.coef_[v]
        w_bias = model.intercept_[v] / intercept_scaling
        margin = sign * (X @ w + model.intercept_[v])
        slack = np.maximum(0, 1 - margin)
        xi = slack if loss == "hinge" else slack ** 2
        objectives.append(0.5 * (w @ w + w_bias ** 2) + np.sum(cost * xi))
    return objectives


def crammer_singer_objective(model, X, y, C, class_weight, intercept_scaling=1.0):
    """½ Σ_m ‖[w_m; w_m,B]‖² + Σ_i C_i max_m (1 − δ_{m,y_i} + (w_m − w_{y_i})·x̃_i), for K > 2 classes."""
    s, _ = sample_weights(y, model.classes_, class_weight)
    scores = X @ model.coef_.T + model.intercept_
    rows = np.arange(len(y))
    labels = np.searchsorted(model.classes_, y)
    margins = 1 + scores - scores[rows, labels][:, None]
    margins[rows, labels] = 0
    penalty = np.sum(model.coef_ ** 2) + np.sum((model.intercept_ / intercept_scaling) ** 2)
    return 0.5 * penalty + np.sum(C * s * np.max(margins, axis=1))


def labels_json(y):
    return [v.item() if hasattr(v, "item") else v for v in y]


def fit_logreg(Xtr, ytr, Xte, C=1.0, class_weight=None):
    model = LogisticRegression(C=C, class_weight=class_weight, tol=1e-10, max_iter=100000)
    model.fit(Xtr, ytr)
    return {
        "spec": {"kind": "logreg", "C": C, "classWeight": class_weight},
        "objective": logistic_objective(model, Xtr, ytr, C, class_weight),
        "coef": matrix(model.coef_),
        "intercept": rounded(model.intercept_),
        "predict": labels_json(model.predict(Xte)),
        "decision": matrix(model.decision_function(Xte)),
        "proba": matrix(model.predict_proba(Xte)),
    }


def fit_linear_svm(Xtr, ytr, Xte, C=1.0, loss="squared_hinge", class_weight=None, multi_class="ovr"):
    model = LinearSVC(C=C, loss=loss, class_weight=class_weight, multi_class=multi_class, tol=1e-10, max_iter=1000000, random_state=0)
    model.fit(Xtr, ytr)
    if multi_class == "ovr":
        objectives = rounded(linear_svm_objectives(model, Xtr, ytr, C, loss, class_weight))
    elif len(model.classes_) > 2:
        objectives = [rounded(crammer_singer_objective(model, Xtr, ytr, C, class_weight))]
    else:
        # scikit-learn keeps only w_1 − w_0 for two classes, so the objective cannot be rebuilt.
        objectives = None
    return {
        "spec": {"kind": "linear-svm", "C": C, "loss": loss, "classWeight": class_weight, "multiClass": multi_class},
        "objectives": objectives,
        "coef": matrix(model.coef_),
        "intercept": rounded(model.intercept_),
        "predict": labels_json(model.predict(Xte)),
        "decision": matrix(model.decision_function(Xte)),
    }


def fit_svc(Xtr, ytr, Xte, C=1.0, kernel="rbf", gamma="scale", degree=3, coef0=0.0, class_weight=None, probability=False):
    model = SVC(C=C, kernel=kernel, gamma=gamma, degree=degree, coef0=coef0, class_weight=class_weight, probability=probability, random_state=0)
    model.fit(Xtr, ytr)
    out = {
        "spec": {"kind": "svm", "C": C, "kernel": kernel, "gamma": gamma, "degree": degree, "coef0": coef0, "classWeight": class_weight, "probability": probability},
        "gammaValue": float(model._gamma),
        "nSupport": [int(v) for v in model.n_support_],
        "intercept": rounded(model.intercept_),
        "predict": labels_json(model.predict(Xte)),
        "decision": matrix(model.decision_function(Xte)),
    }
    if 2 < len(model.classes_) <= 4:
        model.decision_function_shape = "ovo"
        out["decisionOvo"] = matrix(model.decision_function(Xte))
    if probability:
        out["proba"] = matrix(model.predict_proba(Xte))
    return out


def fit_knn(Xtr, ytr, Xte, n_neighbors=5, weights="uniform", metric="euclidean"):
    model = KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights, metric=metric, algorithm="brute")
    model.fit(Xtr, ytr)
    return {
        "spec": {"kind": "knn", "nNeighbors": n_neighbors, "weights": weights, "metric": metric},
        "predict": labels_json(model.predict(Xte)),
        "proba": matrix(model.predict_proba(Xte)),
    }


def fit_centroid(Xtr, ytr, Xte, metric="euclidean"):
    model = NearestCentroid(metric=metric)
    model.fit(Xtr, ytr)
    return {"spec": {"kind": "nearest-centroid", "metric": metric}, "predict": labels_json(model.predict(Xte))}


def metrics_case(y_true, y_pred):
    labels = np.unique(np.concatenate([y_true, y_pred]))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "yTrue": labels_json(y_true),
        "yPred": labels_json(y_pred),
        "labels": labels_json(labels),
        "accuracy": accuracy_score(y_true, y_pred),
        "balancedAccuracy": balanced_accuracy_score(y_true, y_pred),
        "precision": rounded(p),
        "recall": rounded(r),
        "f1": rounded(f),
        "support": [int(v) for v in s],
        "confusionMatrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def score_metrics_case(y_true, proba, classes):
    """ROC AUC and log loss of class probabilities (columns in `classes` order), as sklearn scores them."""
    rounded_proba = np.array(rounded(proba)).reshape(np.shape(proba))
    case = {
        "yTrue": labels_json(y_true),
        "labels": labels_json(classes),
        "proba": matrix(rounded_proba),
        "logLoss": log_loss(y_true, rounded_proba, labels=classes),
    }
    if len(classes) == 2:
        case["rocAuc"] = roc_auc_score(y_true, rounded_proba[:, 1])
    else:
        case["rocAucOvrMacro"] = roc_auc_score(y_true, rounded_proba, multi_class="ovr", average="macro", labels=classes)
    return case


def dataset_fixture(name, X, y, models, standardize=True, test_size=0.3, extra=None):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, stratify=y, random_state=0)
    if standardize:
        scaler = StandardScaler().fit(Xtr)
        Ztr, Zte = scaler.transform(Xtr), scaler.transform(Xte)
    else:
        Ztr, Zte = Xtr, Xte
    fixture = {
        "dataset": name,
        "sklearnVersion": sklearn.__version__,
        "transforms": ["standardize"] if standardize else [],
        "XTrain": matrix(Xtr, 17),
        "yTrain": labels_json(ytr),
        "XTest": matrix(Xte, 17),
        "yTest": labels_json(yte),
        "stratifiedKFold5": [int(v) for v in StratifiedKFold(5)._make_test_folds(Xtr, ytr)],
        "models": {key: fit(Ztr, ytr, Zte) for key, fit in models.items()},
    }
    if extra is not None:
        fixture.update(extra(Ztr, ytr, Zte, yte))
    path = os.path.join(OUT_DIR, f"{name}.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path) // 1024} KB)")


def iris_extra(Ztr, ytr, Zte, yte):
    search = GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0], "gamma": ["scale", 0.05, 0.5]}, cv=5)
    search.fit(Ztr, ytr)
    results = search.cv_results_
    pred = SVC().fit(Ztr, ytr).predict(Zte)
    return {
        "gridSearch": {
            "grid": {"C": [0.1, 1.0, 10.0], "gamma": ["scale", 0.05, 0.5]},
            "params": [{"C": p["C"], "gamma": p["gamma"]} for p in results["params"]],
            "meanTestScore": rounded(results["mean_test_score"]),
            "rankTestScore": [int(v) for v in results["rank_test_score"]],
            "bestParams": search.best_params_,
        },
        "metrics": metrics_case(np.asarray(yte), pred),
        "scoreMetrics": score_metrics_case(np.asarray(yte), LogisticRegression(C=0.1).fit(Ztr, ytr).predict_proba(Zte), np.unique(ytr)),
    }


def cancer_extra(Ztr, ytr, Zte, yte):
    # Platt's sigmoid on fixed decision values: scikit-learn's _sigmoid_calibration minimises the same
    # cross-entropy with Platt's targets as libsvm's sigmoid_train, by BFGS instead of Newton.
    decision = np.array(rounded(SVC(C=3.0).fit(Ztr, ytr).decision_function(Ztr)))
    slope, offset = _sigmoid_calibration(decision, ytr)
    pca = PCA(n_components=5, svd_solver="full").fit(Ztr)
    whitened = PCA(n_components=5, svd_solver="full", whiten=True).fit(Ztr)
    # ROC AUC of each fold's decision values, scored apart (cross_val_score), for SVMs without probabilities.
    folds = StratifiedKFold(5)
    linear = LinearSVC(C=0.1, tol=1e-10, max_iter=1000000, random_state=0)
    return {
        "crossValidatedRocAuc": {
            "linearSvm": {"C": 0.1, "folds": rounded(cross_val_score(linear, Ztr, ytr, cv=folds, scoring="roc_auc"))},
            "rbfSvm": {"C": 3.0, "folds": rounded(cross_val_score(SVC(C=3.0), Ztr, ytr, cv=folds, scoring="roc_auc"))},
        },
        "scoreMetrics": score_metrics_case(np.asarray(yte), LogisticRegression(C=0.01).fit(Ztr, ytr).predict_proba(Zte), np.unique(ytr)),
        "platt": {"decision": rounded(decision), "labels": labels_json(ytr), "A": float(slope), "B": float(offset)},
        "pca": {
            "nComponents": 5,
            "explainedVariance": rounded(pca.explained_variance_),
            "components": matrix(pca.components_),
            "testScores": matrix(pca.transform(Zte)),
            "testScoresWhitened": matrix(whitened.transform(Zte)),
        }
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cnn-features", help=".npz with X_train, y_train, X_test, y_test of CNN features")
    args = parser.parse_args()
    if not sklearn.__version__.startswith("1.2"):
        sys.exit(f"scikit-learn {sklearn.__version__} found, but the fixtures are defined for 1.2: run with /usr/bin/python3")
    os.makedirs(OUT_DIR, exist_ok=True)

    iris = load_iris()
    dataset_fixture(
        "iris",
        iris.data,
        iris.target,
        {
            "logreg": lambda a, b, c: fit_logreg(a, b, c, C=1.0),
            "logregC100": lambda a, b, c: fit_logreg(a, b, c, C=100.0),
            "linearSvm": lambda a, b, c: fit_linear_svm(a, b, c, C=1.0),
            "linearSvmHinge": lambda a, b, c: fit_linear_svm(a, b, c, C=0.5, loss="hinge"),
            "linearSvmCrammerSinger": lambda a, b, c: fit_linear_svm(a, b, c, C=1.0, multi_class="crammer_singer"),
            "rbfSvm": lambda a, b, c: fit_svc(a, b, c, probability=True),
            "polySvm": lambda a, b, c: fit_svc(a, b, c, kernel="poly", gamma="auto", degree=3, coef0=1.0),
            "sigmoidSvm": lambda a, b, c: fit_svc(a, b, c, kernel="sigmoid", gamma=0.05, coef0=0.0),
            "knn": lambda a, b, c: fit_knn(a, b, c),
            "knnCosineDistance": lambda a, b, c: fit_knn(a, b, c, n_neighbors=7, weights="distance", metric="cosine"),
            "centroid": lambda a, b, c: fit_centroid(a, b, c),
        },
        extra=iris_extra,
    )

    # 360 of the 1,797 digits keep the file small; pixel values are integers 0–16.
    digits = load_digits()
    rng = np.random.RandomState(0)
    keep = np.sort(rng.choice(len(digits.target), 360, replace=False))
    dataset_fixture(
        "digits",
        digits.data[keep],
        digits.target[keep],
        {
            "logreg": lambda a, b, c: fit_logreg(a, b, c, C=0.1),
            "linearSvm": lambda a, b, c: fit_linear_svm(a, b, c, C=0.05),
            "rbfSvm": lambda a, b, c: fit_svc(a, b, c, C=10.0),
            "knn": lambda a, b, c: fit_knn(a, b, c, n_neighbors=3),
        },
    )

    cancer = load_breast_cancer()
    dataset_fixture(
        "breast_cancer",
        cancer.data,
        cancer.target,
        {
            "logreg": lambda a, b, c: fit_logreg(a, b, c, C=1.0),
            "logregBalanced": lambda a, b, c: fit_logreg(a, b, c, C=0.3, class_weight="balanced"),
            "linearSvm": lambda a, b, c: fit_linear_svm(a, b, c, C=0.1),
            "linearSvmHinge": lambda a, b, c: fit_linear_svm(a, b, c, C=0.1, loss="hinge", class_weight={0: 2.0, 1: 1.0}),
            "linearSvmCrammerSinger": lambda a, b, c: fit_linear_svm(a, b, c, C=0.1, multi_class="crammer_singer"),
            "rbfSvm": lambda a, b, c: fit_svc(a, b, c, C=3.0, probability=True),
            "linearKernelSvm": lambda a, b, c: fit_svc(a, b, c, C=0.1, kernel="linear"),
            "knn": lambda a, b, c: fit_knn(a, b, c, weights="distance"),
            "centroid": lambda a, b, c: fit_centroid(a, b, c),
        },
        extra=cancer_extra,
    )

    # Imbalanced blobs: 200 / 40 / 15 samples, overlapping, rounded to 4 decimals.
    X, y = make_blobs(n_samples=[200, 40, 15], centers=[[0, 0, 0], [2, 1, 0], [1, 2, 1]], cluster_std=1.0, random_state=0)
    X = np.round(X, 4)
    labels = np.array(["common", "rare", "uncommon"])[np.array([0, 2, 1])[y]]
    dataset_fixture(
        "blobs",
        X,
        labels,
        {
            "logregBalanced": lambda a, b, c: fit_logreg(a, b, c, C=1.0, class_weight="balanced"),
            "logreg": lambda a, b, c: fit_logreg(a, b, c, C=1.0),
            "linearSvmBalanced": lambda a, b, c: fit_linear_svm(a, b, c, C=1.0, class_weight="balanced"),
            "linearSvmCrammerSingerBalanced": lambda a, b, c: fit_linear_svm(a, b, c, C=1.0, class_weight="balanced", multi_class="crammer_singer"),
            "rbfSvmBalanced": lambda a, b, c: fit_svc(a, b, c, C=1.0, class_weight="balanced", probability=True),
            "rbfSvmWeighted": lambda a, b, c: fit_svc(a, b, c, C=1.0, class_weight={"rare": 5.0, "uncommon": 2.0}),
        },
        standardize=False,
    )

    if args.cnn_features:
        data = np.load(args.cnn_features, allow_pickle=False)
        X = shortest_float32_decimals(np.concatenate([data["X_train"], data["X_test"]]))
        y = np.concatenate([data["y_train"], data["y_test"]])
        dataset_fixture(
            "cnn",
            X,
            y,
            {
                "logreg": lambda a, b, c: fit_logreg(a, b, c, C=1.0),
                "linearSvm": lambda a, b, c: fit_linear_svm(a, b, c, C=0.01),
                "rbfSvm": lambda a, b, c: fit_svc(a, b, c),
            },
        )
    else:
        print("skipped the cnn fixture: pass --cnn-features FILE.npz with pooled CNN features")


if __name__ == "__main__":
    main()
