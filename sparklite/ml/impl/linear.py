"""Linear regression's kernel, as Spark solves it: on features and label scaled by their standard
deviations (centred when there is an intercept), the penalty ``regParam / std(label)`` times
``(1 - alpha) / 2 |b|^2 + alpha |b|_1`` on the scaled coefficients (per feature rescaled without
``standardization``).

Contract:
* ``normal(data, ...)`` is Spark's ``WeightedLeastSquares``: one pass of weighted sums, first and
  second moments; the driver solves the normal equations (L2 only) or minimises their quadratic
  with OWL-QN (an L1 part), population standard deviations. ``lbfgs(data, ...)`` is the distributed
  path (one pass per evaluation of the least-squares loss, sample standard deviations) for many
  features or ``solver="l-bfgs"``. Both return ``(coefficients, intercept, OptimResult or None)``
  in the features' own units.
"""
from __future__ import annotations

import numpy as np

from sparklite.ml.impl.optim import minimize


def moments(data, description: str):
    """Weighted (sum w, sum w x, sum w y, sum w x x^T, sum w x y, sum w y^2, count) in one pass."""
    def seq(chunk):
        X, y, w = chunk.X, chunk.y, chunk.w
        weighted = X * w[:, None]
        return (w.sum(), weighted.sum(axis=0), w @ y, X.T @ weighted, weighted.T @ y, w @ (y * y), len(y))

    def comb(a, b):
        return tuple(x + z for x, z in zip(a, b))
    return data.aggregate(seq, comb, description)


def _penalties(std, standardization: bool, reg_param: float, elastic_net: float, label_std: float):
    """Per scaled coefficient: the L2 and L1 weights of Spark's effective penalty."""
    effective = reg_param / label_std if label_std > 0 else 0.0
    l2 = np.full(len(std), effective * (1 - elastic_net))
    l1 = np.full(len(std), effective * elastic_net)
    if not standardization:
        safe = np.where(std > 0, std, 1.0)
        l2 = np.where(std > 0, l2 / (safe * safe), 0.0)
        l1 = np.where(std > 0, l1 / safe, 0.0)
    return l2, l1


def normal(data, *, fit_intercept: bool, standardization: bool, reg_param: float, elastic_net: float,
           max_iter: int, tol: float):
    w_sum, xw, yw, xxw, xyw, yyw, _ = moments(data, "LinearRegression normal equations")
    x_mean, y_mean = xw / w_sum, yw / w_sum
    xx, xy, yy = xxw / w_sum, xyw / w_sum, yyw / w_sum
    x_var = np.maximum(np.diag(xx) - x_mean * x_mean, 0.0)
    y_var = max(yy - y_mean * y_mean, 0.0)
    x_std, y_std = np.sqrt(x_var), np.sqrt(y_var)
    if y_std == 0:
        return np.zeros(len(x_mean)), y_mean if fit_intercept else 0.0, None
    if fit_intercept:
        xx, xy, yy = xx - np.outer(x_mean, x_mean), xy - x_mean * y_mean, y_var
    scale = np.where(x_std > 0, 1.0 / np.where(x_std > 0, x_std, 1.0), 0.0)
    # the system in scaled units: a = x / std(x), b = y / std(y)
    aa = xx * np.outer(scale, scale)
    ab = xy * scale / y_std
    bb = yy / (y_std * y_std)
    l2, l1 = _penalties(x_std, standardization, reg_param, elastic_net, y_std)
    system = aa + np.diag(l2)
    if not l1.any():
        keep = x_std > 0
        scaled = np.zeros(len(ab))
        scaled[keep] = np.linalg.solve(system[np.ix_(keep, keep)], ab[keep])
        result = None
    else:
        def quadratic(beta):
            gradient = system @ beta - ab
            return 0.5 * beta @ system @ beta - ab @ beta + 0.5 * bb, gradient
        result = minimize(quadratic, np.zeros(len(ab)), max_iter=max_iter, tol=tol, l1=l1)
        scaled = result.x
    coefficients = scaled * scale * y_std
    intercept = y_mean - coefficients @ x_mean if fit_intercept else 0.0
    return coefficients, float(intercept), result


def lbfgs(data, *, fit_intercept: bool, standardization: bool, reg_param: float, elastic_net: float,
          max_iter: int, tol: float, description):
    w_sum, xw, yw, xxw, _, yyw, count = moments(data, "LinearRegression summary")
    x_mean, y_mean = xw / w_sum, yw / w_sum
    # Spark's Summarizer: unbiased weighted variances
    x_var = np.maximum((np.diag(xxw) - w_sum * x_mean * x_mean) / (w_sum - 1), 0.0) if w_sum > 1 else 0 * x_mean
    y_var = max((yyw - w_sum * y_mean * y_mean) / (w_sum - 1), 0.0) if w_sum > 1 else 0.0
    x_std, y_std = np.sqrt(x_var), np.sqrt(y_var)
    if y_std == 0:
        return np.zeros(len(x_mean)), y_mean if fit_intercept else 0.0, None
    scale = np.where(x_std > 0, 1.0 / np.where(x_std > 0, x_std, 1.0), 0.0)
    center_x = x_mean * scale if fit_intercept else np.zeros(len(x_mean))
    center_y = y_mean / y_std if fit_intercept else 0.0
    l2, l1 = _penalties(x_std, standardization, reg_param, elastic_net, y_std)
    iteration = [0]

    def loss(beta):
        raw = beta * scale
        offset = float(beta @ center_x) - center_y

        def seq(chunk):
            residual = chunk.X @ raw - offset - chunk.y / y_std
            weighted = chunk.w * residual
            return float(weighted @ residual), chunk.X.T @ weighted, float(weighted.sum())
        squares, cross, total = data.aggregate(seq, lambda a, b: (a[0] + b[0], a[1] + b[1], a[2] + b[2]),
                                               description(iteration[0] + 1))
        gradient = (cross * scale - total * center_x) / w_sum + l2 * beta
        return 0.5 * squares / w_sum + 0.5 * float(np.sum(l2 * beta * beta)), gradient

    def advanced(k, x, value):
        iteration[0] = k
    result = minimize(loss, np.zeros(len(x_mean)), max_iter=max_iter, tol=tol, l1=l1 if l1.any() else None,
                      callback=advanced)
    coefficients = result.x * scale * y_std
    intercept = y_mean - coefficients @ x_mean if fit_intercept else 0.0
    return coefficients, float(intercept), result
