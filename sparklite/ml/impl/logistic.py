"""Logistic regression's kernel: the weighted log-loss and its gradient over a chunk, and the
driver's objective with Spark's regularisation, on features scaled by their standard deviation.

Contract: ``train(data, num_classes, multinomial, ...)`` returns ``(coefficients K' x d,
intercepts K', OptimResult)`` in the features' own units (``K' = 1`` for the binomial family).
The optimisation runs where Spark's does: over coefficients of the features divided by their
standard deviation (a feature of standard deviation 0 keeps a coefficient 0), the L2 penalty
``regParam (1 - alpha) / 2 |b|^2`` and the L1 penalty ``regParam alpha |b|_1`` on the scaled
coefficients when ``standardization`` (rescaled per feature otherwise, so the objective is the one
on raw features), the intercept never penalised; each evaluation of the objective is one
``data.aggregate`` pass (``description(k)`` names the pass by its iteration).
"""
from __future__ import annotations

import numpy as np

from sparklite.ml.impl.optim import minimize


def summarize(data, num_classes: int, description: str):
    """Weighted feature means and sample standard deviations, and the label histogram, in one pass."""
    d = data.num_features

    def seq(chunk):
        w = chunk.w
        return (w.sum(), (w * w).sum(), w @ chunk.X, w @ (chunk.X * chunk.X),
                np.bincount(chunk.y.astype(np.int64), weights=w, minlength=num_classes)[:num_classes]
                if len(chunk.y) else np.zeros(num_classes))

    def comb(a, b):
        return tuple(x + y for x, y in zip(a, b))
    total, _, sums, squares, histogram = data.aggregate(seq, comb, description)
    mean = sums / total if total else np.zeros(d)
    # Spark's Summarizer: the unbiased weighted variance, (sum w x^2 - sum w * mean^2) / (sum w - 1)
    variance = (squares - total * mean * mean) / (total - 1) if total > 1 else np.zeros(d)
    std = np.sqrt(np.maximum(variance, 0.0))
    return mean, std, histogram


def _binomial(beta, intercept, scale, center):
    raw = beta * scale
    offset = intercept - float(beta @ center)

    def seq(chunk):
        margin = chunk.X @ raw + offset
        y, w = chunk.y, chunk.w
        # log(1 + e^m) - y m, computed without overflow
        loss = float(w @ (np.logaddexp(0.0, margin) - y * margin))
        multiplier = w * (np.exp(-np.logaddexp(0.0, -margin)) - y)      # sigmoid without overflow
        return loss, chunk.X.T @ multiplier, float(multiplier.sum())
    return seq


def _multinomial(beta, intercepts, scale, center):
    raw = (beta * scale).T
    offsets = intercepts - beta @ center

    def seq(chunk):
        margins = chunk.X @ raw + offsets
        top = margins.max(axis=1, keepdims=True)
        exp = np.exp(margins - top)
        norm = exp.sum(axis=1, keepdims=True)
        labels = chunk.y.astype(np.int64)
        w = chunk.w
        rows = np.arange(len(labels))
        loss = float(w @ (np.log(norm[:, 0]) + top[:, 0] - margins[rows, labels]))
        multiplier = exp / norm
        multiplier[rows, labels] -= 1.0
        multiplier *= w[:, None]
        return loss, multiplier.T @ chunk.X, multiplier.sum(axis=0)
    return seq


def _add(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def train(data, *, num_classes: int, multinomial: bool, mean: np.ndarray, std: np.ndarray, weight_sum: float,
          reg_param: float,
          elastic_net: float, fit_intercept: bool, standardization: bool, max_iter: int, tol: float,
          initial_intercepts: np.ndarray, description, depth: int = 2):
    d = data.num_features
    sets = num_classes if multinomial else 1
    scale = np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 0.0)     # scaled coefficient -> raw multiplier
    # with an intercept the features are also centred, as Spark's aggregators do (same optimum, better
    # conditioned): margin = (x - mean) / std . b + c
    center = mean * scale if fit_intercept else np.zeros(d)
    l2 = reg_param * (1.0 - elastic_net)
    l1 = reg_param * elastic_net
    # the penalty's weight per scaled coefficient: 1 with standardization, 1/std^2 (L2) or 1/std (L1) without
    l2_weight = np.ones(d) if standardization else scale * scale
    l1_weight = np.ones(d) if standardization else scale
    iteration = [0]

    def objective(x):
        coefficients = x[:sets * d].reshape(sets, d)
        intercepts = x[sets * d:] if fit_intercept else np.zeros(sets)
        if multinomial:
            seq = _multinomial(coefficients, intercepts, scale, center)
        else:
            seq = _binomial(coefficients[0], intercepts[0], scale, center)
        loss, gradient, intercept_gradient = data.aggregate(seq, _add, description(iteration[0] + 1))
        intercept_gradient = np.atleast_1d(intercept_gradient)
        # d/db of (x - mean) * scale . b: the raw sums less the centre times the multipliers' sum
        gradient = (np.asarray(gradient).reshape(sets, d) * scale - intercept_gradient[:, None] * center) / weight_sum
        value = loss / weight_sum
        if l2:
            value += 0.5 * l2 * float(np.sum(coefficients * coefficients * l2_weight))
            gradient = gradient + l2 * coefficients * l2_weight
        parts = [gradient.ravel()]
        if fit_intercept:
            parts.append(intercept_gradient / weight_sum)
        return value, np.concatenate(parts)

    def advanced(k, x, value):
        iteration[0] = k

    x0 = np.zeros(sets * d + (sets if fit_intercept else 0))
    if fit_intercept:
        x0[sets * d:] = initial_intercepts
    l1_vector = None
    if l1:
        l1_vector = np.concatenate([np.tile(l1 * l1_weight, sets), np.zeros(sets if fit_intercept else 0)])
    result = minimize(objective, x0, max_iter=max_iter, tol=tol, l1=l1_vector, callback=advanced)
    scaled = result.x[:sets * d].reshape(sets, d)
    intercepts = result.x[sets * d:] - scaled @ center if fit_intercept else np.zeros(sets)
    return scaled * scale, np.array(intercepts, dtype=np.float64), result
