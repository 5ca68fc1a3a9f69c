"""The L-BFGS / OWL-QN kernel (sparklite/ml/impl/optim.py): its minima against scipy and scikit-learn,
its path (objective history, iteration count) against PySpark's, and its stopping rules."""
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from sparklite.ml.impl.optim import minimize

X_RAW, Y = load_breast_cancer(return_X_y=True)
N, D = X_RAW.shape
X_STANDARD = (X_RAW - X_RAW.mean(0)) / X_RAW.std(0)


def logistic_loss(X, l2=0.0):
    """Spark's smooth objective: mean log-loss plus l2/2 |w|^2, intercept last and unpenalised; the
    returned function counts its calls (each is one distributed pass in sparklite)."""
    A = np.hstack([X, np.ones((len(X), 1))])

    def fun(w):
        fun.calls += 1
        z = A @ w
        grad = A.T @ (1 / (1 + np.exp(-z)) - Y) / len(X)
        grad[:-1] += l2 * w[:-1]
        return np.mean(np.logaddexp(0, z) - Y * z) + 0.5 * l2 * w[:-1] @ w[:-1], grad
    fun.calls = 0
    return fun


def rosenbrock(x):
    value = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    grad = np.zeros_like(x)
    grad[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    grad[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return value, grad


def scipy_minimum(fun, x0):
    options = dict(maxiter=10000, maxcor=10, ftol=1e-20, gtol=1e-14)
    return scipy_minimize(fun, x0, jac=True, method="L-BFGS-B", options=options).x


def test_lbfgs_reaches_scipys_minimum_of_a_logistic_loss():
    fun = logistic_loss(X_STANDARD, l2=0.01)
    result = minimize(fun, np.zeros(D + 1), tol=1e-12, max_iter=1000)
    assert result.converged and result.reason == "gradient converged"
    np.testing.assert_allclose(result.x, scipy_minimum(fun, np.zeros(D + 1)), atol=1e-6)


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [-1.2, 1.0, -1.2, 1.0, 0.5]])
def test_lbfgs_reaches_scipys_minimum_of_rosenbrock(x0):
    result = minimize(rosenbrock, np.array(x0), tol=1e-14, max_iter=1000)
    assert result.converged
    np.testing.assert_allclose(result.x, scipy_minimum(rosenbrock, np.array(x0)), atol=1e-6)
    np.testing.assert_allclose(result.x, 1.0, atol=1e-6)


@pytest.mark.parametrize("reg_param, elastic_net", [(0.05, 1.0), (0.02, 0.5)])
def test_owlqn_reaches_sklearns_l1_and_elastic_net_minimum_with_the_same_zeros(reg_param, elastic_net):
    # Spark: mean(loss) + reg (a |w|_1 + (1-a)/2 |w|^2); sklearn: C sum(loss) + a |w|_1 + (1-a)/2 |w|^2
    l1 = np.r_[np.full(D, reg_param * elastic_net), 0.0]
    result = minimize(logistic_loss(X_STANDARD, l2=reg_param * (1 - elastic_net)), np.zeros(D + 1),
                      l1=l1, tol=1e-12, max_iter=1000)
    penalty = dict(penalty="l1") if elastic_net == 1 else dict(penalty="elasticnet", l1_ratio=elastic_net)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # sklearn's notices about its own penalty parameters
        sk = LogisticRegression(C=1 / (reg_param * N), solver="saga", tol=1e-10, max_iter=100000,
                                **penalty).fit(X_STANDARD, Y)
    expected = np.r_[sk.coef_[0], sk.intercept_]
    assert result.converged
    np.testing.assert_allclose(result.x, expected, atol=1e-5)
    assert 0 < np.sum(result.x == 0) < D
    np.testing.assert_array_equal(result.x == 0, expected == 0)


# PySpark 4.3, local[1]: LogisticRegression(regParam=r, elasticNetParam=a).fit(breast_cancer as
# (label, features)); summary.totalIterations and some entries of summary.objectiveHistory.
PYSPARK_PATHS = {
    (0.01, 0.0): (27, {0: 0.6603163491952315, 1: 0.18373694766297952, 2: 0.1582665834268025,
                       27: 0.09963845979823507}),
    (0.01, 1.0): (75, {1: 0.5980410609944363, 2: 0.3030690775748846, 13: 0.16125796110377943,
                       14: 0.16129868116768334, 75: 0.15936780016246185}),
    (0.02, 0.5): (36, {1: 0.5980527234595022, 2: 0.3046965167091631, 36: 0.1793811225009258}),
}


@pytest.mark.parametrize("reg_param, elastic_net", sorted(PYSPARK_PATHS))
def test_path_is_pysparks_on_sparks_own_objective(reg_param, elastic_net):
    # what Spark optimises: features centred and divided by their sample std, the intercept started
    # at the log-odds of the labels, the penalty on the scaled coefficients (standardization=True)
    scaled = (X_RAW - X_RAW.mean(0)) / X_RAW.std(0, ddof=1)
    x0 = np.r_[np.zeros(D), np.log(Y.sum() / (N - Y.sum()))]
    l1 = np.r_[np.full(D, reg_param * elastic_net), 0.0] if elastic_net else None
    result = minimize(logistic_loss(scaled, l2=reg_param * (1 - elastic_net)), x0, l1=l1)
    iterations, history = PYSPARK_PATHS[reg_param, elastic_net]
    assert result.iterations == iterations == len(result.objective_history) - 1
    for i, value in history.items():
        assert result.objective_history[i] == pytest.approx(value, rel=1e-9)
    if elastic_net == 1.0:
        # OWL-QN's first trial step is judged against the smooth part of the old objective
        # (Breeze's BacktrackingLineSearch): Spark's history rises at step 14, and so does ours
        assert result.objective_history[14] > result.objective_history[13]


@pytest.mark.parametrize("l1", [None, np.r_[np.full(D, 0.01), 0.0]])
def test_objective_history_does_not_increase_and_includes_the_l1_term(l1):
    fun = logistic_loss(X_STANDARD, l2=0.01)
    result = minimize(fun, np.full(D + 1, 0.1), l1=l1)
    history = np.array(result.objective_history)
    assert np.all(np.diff(history) <= 0)
    penalty = 0.0 if l1 is None else np.sum(l1 * 0.1)
    assert history[0] == pytest.approx(fun(np.full(D + 1, 0.1))[0] + penalty)
    assert history[-1] == pytest.approx(fun(result.x)[0] + (0.0 if l1 is None else l1 @ np.abs(result.x)))


@pytest.mark.parametrize("l1", [None, np.r_[np.full(D, 0.01), 0.0]])
def test_max_iter_stops_unconverged_and_the_callback_sees_each_iteration(l1):
    seen = []
    result = minimize(logistic_loss(X_STANDARD), np.zeros(D + 1), max_iter=5, l1=l1,
                      callback=lambda i, x, f: seen.append((i, f)))
    assert (result.converged, result.reason, result.iterations) == (False, "max iterations", 5)
    assert len(result.objective_history) == 6
    assert seen == list(zip(range(1, 6), result.objective_history[1:]))


def test_an_unpenalised_coordinate_stays_unpenalised():
    # a penalty strong enough to zero every coefficient leaves the intercept at the labels' log-odds
    l1 = np.r_[np.ones(D), 0.0]
    result = minimize(logistic_loss(X_STANDARD), np.zeros(D + 1), l1=l1, tol=1e-12)
    assert result.converged
    assert np.all(result.x[:D] == 0)
    assert result.x[D] == pytest.approx(np.log(Y.mean() / (1 - Y.mean())), abs=1e-6)


def test_one_pass_per_iteration_on_a_well_conditioned_problem():
    fun = logistic_loss(X_STANDARD, l2=0.01)
    result = minimize(fun, np.zeros(D + 1))
    assert result.converged
    assert fun.calls <= result.iterations + 2


def test_starting_at_the_minimum_takes_no_iteration():
    fun = logistic_loss(X_STANDARD, l2=0.01)
    x = minimize(fun, np.zeros(D + 1), tol=1e-12).x
    fun.calls = 0
    result = minimize(fun, x)
    assert (result.iterations, result.reason, fun.calls) == (0, "gradient converged", 1)


def test_a_gradient_that_lies_ends_in_line_search_failed():
    # the gradient's sign is wrong, so no step decreases the value: one retry with a fresh history,
    # then the search gives up, and Spark counts both attempts as iterations
    result = minimize(lambda x: (x @ x, -2 * x), np.ones(3))
    assert (result.converged, result.reason, result.iterations) == (False, "line search failed", 2)
    assert result.objective_history == [3.0, 3.0, 3.0]
    np.testing.assert_array_equal(result.x, np.ones(3))


def test_l1_weights_must_match_and_be_non_negative():
    with pytest.raises(ValueError, match="non-negative weight per coordinate"):
        minimize(rosenbrock, np.zeros(2), l1=np.array([-1.0, 0.0]))
    with pytest.raises(ValueError, match="non-negative weight per coordinate"):
        minimize(rosenbrock, np.zeros(2), l1=np.zeros(3))
