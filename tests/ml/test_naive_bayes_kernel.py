"""The naive Bayes kernel (``sparklite/ml/impl/naive_bayes.py``) against scikit-learn and PySpark 4.3.

The ``SPARK_*`` values were printed by PySpark 4.3.0 (``NaiveBayes(modelType=..., smoothing=0.5,
weightCol="weight").fit`` on ``ROWS``, then ``transform`` on the test rows) and pasted here."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import BernoulliNB, ComplementNB, GaussianNB, MultinomialNB

from sparklite.ml.impl.naive_bayes import java_double_string, train_naive_bayes
from tests.ml.localdata import LocalData

# test accuracy of PySpark and scikit-learn on the reference split (streaming-ml-graph.md, section 2.4)
REFERENCE_ACCURACY = {
    "iris": {"gaussian": 0.9667, "multinomial": 0.5667, "bernoulli": 0.6333},
    "breast_cancer": {"gaussian": 0.9298, "multinomial": 0.8947, "bernoulli": 0.9298},
    "digits": {"gaussian": 0.8250, "multinomial": 0.9083, "bernoulli": 0.9000},
    "wine": {"gaussian": 0.9167, "multinomial": 0.8611, "bernoulli": 0.8889},
}


def split(name):
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return train_test_split(X, y.astype(float), test_size=0.2, random_state=0)


def smoothed_prior(y, alpha=1.0):
    """Spark smooths the class prior, scikit-learn does not: give scikit-learn Spark's prior."""
    counts = np.unique(y, return_counts=True)[1]
    return (counts + alpha) / (counts.sum() + len(counts) * alpha)


def sklearn_model(model_type, y):
    return {"multinomial": MultinomialNB(alpha=1.0, class_prior=smoothed_prior(y)),
            "bernoulli": BernoulliNB(alpha=1.0, binarize=None, class_prior=smoothed_prior(y)),
            "gaussian": GaussianNB(),
            "complement": ComplementNB(alpha=1.0)}[model_type]


@pytest.mark.parametrize("name", list(REFERENCE_ACCURACY))
@pytest.mark.parametrize("model_type", ["multinomial", "bernoulli", "gaussian", "complement"])
def test_predictions_equal_sklearn_on_the_reference_split(name, model_type):
    X_train, X_test, y_train, y_test = split(name)
    if model_type == "bernoulli":       # binarised at the training mean, as the reference does
        mean = X_train.mean(axis=0)
        X_train, X_test = (X_train > mean).astype(float), (X_test > mean).astype(float)
    model = train_naive_bayes(LocalData(X_train, y_train, num_partitions=4), model_type)
    ours = model.predict(X_test)
    theirs = sklearn_model(model_type, y_train).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.prediction, theirs.predict(X_test))
    np.testing.assert_allclose(ours.probability, theirs.predict_proba(X_test), rtol=0, atol=1e-9)
    if model_type in REFERENCE_ACCURACY[name]:
        assert np.mean(ours.prediction == y_test) == pytest.approx(REFERENCE_ACCURACY[name][model_type], abs=5e-5)


def test_multinomial_pi_and_theta_equal_sklearns_log_priors_and_feature_log_probs():
    X_train, _, y_train, _ = split("digits")
    model = train_naive_bayes(LocalData(X_train, y_train), "multinomial", smoothing=1.0)
    theirs = sklearn_model("multinomial", y_train).fit(X_train, y_train)
    np.testing.assert_allclose(model.pi, theirs.class_log_prior_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.theta, theirs.feature_log_prob_, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(model.labels, np.arange(10.0))
    assert model.sigma.shape == (0, 0)


def test_gaussian_theta_and_sigma_are_sklearns_means_and_smoothed_variances():
    X_train, _, y_train, _ = split("wine")
    model = train_naive_bayes(LocalData(X_train, y_train), "gaussian")
    theirs = GaussianNB().fit(X_train, y_train)
    np.testing.assert_allclose(model.theta, theirs.theta_, rtol=1e-12)
    np.testing.assert_allclose(model.sigma, theirs.var_, rtol=1e-9)
    np.testing.assert_allclose(model.pi, np.log(theirs.class_prior_), rtol=1e-12)


ROWS_X = np.array([[1.0, 0.0, 3.0], [2.0, 1.0, 0.0], [0.0, 4.0, 1.0],
                   [1.0, 3.0, 2.0], [5.0, 0.0, 0.0], [3.0, 1.0, 1.0]])
ROWS_Y = np.array([0.0, 0.0, 1.0, 1.0, 2.0, 2.0])
ROWS_W = np.array([1.0, 2.0, 1.0, 0.5, 1.5, 1.0])
SPARK_PI = [-0.8873031950009027, -1.4469189829363254, -1.041453874828161]
SPARK = {
    "multinomial": dict(
        test=[[1.0, 1.0, 0.0], [0.0, 2.0, 5.0]], pi=SPARK_PI,
        theta=[[-0.737598943130779, -1.5260563034950492, -1.1895840668738362],
               [-2.2512917986064953, -0.45953232937844035, -1.3350010667323402],
               [-0.24116205681688774, -2.2335922215070942, -2.2335922215070942]],
        raw=[[-3.150958441626731, -4.1577431109212615, -3.516208153152143],
             [-9.887336136360183, -9.040988975354907, -16.676599425377823]],
        probability=[[0.48557472279066993, 0.1774250942346394, 0.33700018297469087],
                     [0.3000982623655558, 0.6995638876539682, 0.0003378499804760272]],
        prediction=[0.0, 1.0]),
    "complement": dict(
        test=[[1.0, 1.0, 0.0], [0.0, 2.0, 5.0]], pi=SPARK_PI,
        theta=[[0.6486954179891118, 1.1451323043030028, 1.838279484862948],
               [0.4054651081081646, 1.9252908618525777, 1.6739764335716716],
               [1.178654996341646, 0.8909729238898652, 1.2656663733312756]],
        raw=[[-1.3933514966734568, -0.8564232490048291, -1.1175512987340603],
             [-1.1403196048851552, -0.4015177462423889, -4.511703923369792]],
        probability=[[0.24824192688820065, 0.4246783377343597, 0.3270797353774396],
                     [0.31971682242714783, 0.6693034419732188, 0.010979735599633401]],
        prediction=[1.0, 1.0]),
    "bernoulli": dict(
        test=[[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]], pi=SPARK_PI,
        theta=[[-0.13353139262452252, -0.47000362924573547, -2.0794415416798357],
               [-0.9162907318741551, -1.6094379124341005, -0.22314355131420982],
               [-1.9459101490553135, -0.8472978603872037, -0.8472978603872037]],
        raw=[[-1.624369609495683, -5.5820855396786815, -4.394277672206101],
             [-5.51618990760631, -3.790326070450626, -2.8902002754298266]],
        probability=[[0.9244070980837379, 0.017662374221578948, 0.057930527694683126],
                     [0.048934179733363066, 0.2748814631147727, 0.6761843571518642]],
        prediction=[0.0, 2.0]),
    "gaussian": dict(
        test=[[1.0, 1.0, 0.0], [0.0, 2.0, 5.0]],
        pi=[-0.8472978603872034, -1.5404450409471488, -1.0296194171811581],
        theta=[[1.6666666666666665, 0.6666666666666666, 1.0],
               [0.3333333333333333, 3.6666666666666665, 1.3333333333333333],
               [4.2, 0.4, 0.4]],
        sigma=[[0.2222222249977328, 0.2222222249977326, 2.00000000277551],
               [0.22222222499773253, 0.22222222499773636, 0.22222222499773236],
               [0.9600000027755087, 0.2400000027755102, 0.2400000027755102]],
        raw=[[-1.1897940511153908, -20.28432870223144, -5.998758716009919],
             [-13.939793933503136, -36.03432850551735, -58.18625814591001]],
        probability=[[0.9919096821704958, 5.056163346549928e-09, 0.008090312773340975],
                     [0.9999999997462152, 2.537847695079181e-10, 6.081416508534735e-20]],
        prediction=[0.0, 0.0]),
}


@pytest.mark.parametrize("model_type", list(SPARK))
def test_weighted_model_and_outputs_equal_pyspark(model_type):
    expected = SPARK[model_type]
    X = ((ROWS_X > 0.5) & (ROWS_X < 2.5)).astype(float) if model_type == "bernoulli" else ROWS_X
    data = LocalData(X, ROWS_Y, ROWS_W, num_partitions=4)
    model = train_naive_bayes(data, model_type, smoothing=0.5)
    out = model.predict(np.array(expected["test"]))
    assert data.jobs == ["NaiveBayes aggregate"]
    for field, ours in [("pi", model.pi), ("theta", model.theta), ("sigma", model.sigma), ("raw", out.raw),
                        ("probability", out.probability), ("prediction", out.prediction)]:
        spark = np.array(expected.get(field, np.zeros((0, 0))))
        np.testing.assert_allclose(ours, spark, rtol=1e-11, atol=1e-15, err_msg=field)


def test_integer_weights_equal_repeated_rows():
    X_train, _, y_train, _ = split("iris")
    w = np.random.default_rng(0).integers(1, 4, len(y_train)).astype(float)
    for model_type in ["multinomial", "gaussian", "complement"]:
        weighted = train_naive_bayes(LocalData(X_train, y_train, w), model_type)
        repeated = train_naive_bayes(LocalData(np.repeat(X_train, w.astype(int), axis=0),
                                               np.repeat(y_train, w.astype(int))), model_type)
        for a, b in [(weighted.pi, repeated.pi), (weighted.theta, repeated.theta), (weighted.sigma, repeated.sigma)]:
            np.testing.assert_allclose(a, b, rtol=1e-10)


def test_labels_are_the_sorted_values_seen_and_empty_partitions_add_nothing():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
    model = train_naive_bayes(LocalData(X, np.array([5.0, 2.0, 5.0]), num_partitions=6), "multinomial")
    np.testing.assert_array_equal(model.labels, [2.0, 5.0])
    assert model.theta.shape == (2, 2)
    np.testing.assert_array_equal(model.predict(np.array([[4.0, 0.0], [0.0, 4.0]])).prediction, [1.0, 0.0])


NEGATIVE = "Vector values MUST NOT be Negative, NaN or Infinity, but got "


@pytest.mark.parametrize("model_type, row, message", [
    ("multinomial", [1.0, -2.0, 1e-5], NEGATIVE + "[1.0,-2.0,1.0E-5]"),
    ("complement", [np.inf, 0.0, 1.0], NEGATIVE + "[Infinity,0.0,1.0]"),
    ("bernoulli", [0.5, 1.0, 0.0], "Vector values MUST be in {0, 1}, but got [0.5,1.0,0.0]"),
    ("gaussian", [np.nan, 1.0, 2e7], "Vector values MUST NOT be NaN or Infinity, but got [NaN,1.0,2.0E7]"),
])
def test_bad_training_values_raise_sparks_message(model_type, row, message):
    X = np.array([[1.0, 1.0, 0.0], row])
    with pytest.raises(ValueError) as caught:
        train_naive_bayes(LocalData(X, np.array([0.0, 1.0])), model_type)
    assert str(caught.value) == message


def test_bad_values_at_prediction_raise_sparks_requirement():
    X = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    multinomial = train_naive_bayes(LocalData(X, np.array([0.0, 1.0])), "multinomial")
    with pytest.raises(ValueError) as caught:
        multinomial.predict(np.array([[1.0, 1.0, 0.0], [1.0, -1.0, 0.0]]))
    assert str(caught.value) == ("requirement failed: Naive Bayes requires nonnegative feature values "
                                 "but found [1.0,-1.0,0.0].")
    bernoulli = train_naive_bayes(LocalData(X, np.array([0.0, 1.0])), "bernoulli")
    with pytest.raises(ValueError, match=r"Bernoulli naive Bayes requires 0 or 1 feature values but found \[2.0,0"):
        bernoulli.predict_raw(np.array([[2.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="Invalid modelType: poisson"):
        train_naive_bayes(LocalData(X, np.array([0.0, 1.0])), "poisson")


def test_doubles_print_as_java_prints_them():
    cases = {1.0: "1.0", -2.5e-5: "-2.5E-5", 1e7: "1.0E7", 12345678.9: "1.23456789E7", 0.001: "0.001",
             1e-4: "1.0E-4", -0.0: "-0.0", 1e300: "1.0E300", 123456.5: "123456.5"}
    assert {x: java_double_string(x) for x in cases} == cases
