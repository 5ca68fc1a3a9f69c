"""L-BFGS and OWL-QN, the driver-side optimisers of LogisticRegression and LinearRegression.

Contract: ``minimize(fun, x0, ...)`` minimises ``fun(x) -> (value, gradient)``, plus ``sum(l1 * |x|)``
when per-coordinate L1 weights are given, and returns an ``OptimResult``. A call of ``fun`` is a
distributed pass, so the last point evaluated is kept (Breeze's ``CachedDiffFunction``): the line
search has usually just evaluated the point it accepts.

The path is Breeze 2.1's (``breeze.optimize.{LBFGS,OWLQN,FirstOrderMinimizer}``), which Spark runs,
because it decides what a user sees: the objective history and the iteration count.
- L-BFGS, memory ``m``: the first step is scaled to unit length, later ones start at 1; strong-Wolfe
  line search (c1 = 1e-4, c2 = 0.9, steps growing by 1.5, safeguarded cubic zoom, 10 + 10 probes).
- OWL-QN (Andrew and Gao, 2007) when ``l1`` is given: the pseudo-gradient drives the direction,
  zeroed where it does not point against it; steps are projected onto the current orthant; the line
  search backtracks (by 0.1 on the first iteration, from 0.5 / |gradient|; by 0.5 later, from 1).
- A failed search (or negative curvature in the history) drops the history and retries from the same
  point; a second failure in a row stops with "line search failed".
- The stopping tests, in order, on every state including the first: ``max_iter`` iterations; the
  objective within ``tol * |initial objective|`` of the largest of the last 20; the (pseudo-)gradient's
  norm at most ``max(tol * |objective|, 1e-8)``.
"""
from typing import Callable, NamedTuple, Optional

import numpy as np

FUNCTION_VALUE_MEMORY = 20      # Breeze's defaultConvergenceCheck(fvalMemory = 20)
CONVERGED_REASONS = ("function values converged", "gradient converged")


class OptimResult(NamedTuple):
    """What a minimisation reached, shaped for Spark's training summaries.

    ``objective_history`` starts with the initial objective (the L1 term included) and has one entry
    per state Breeze yields; ``iterations`` is Spark's ``totalIterations``, its length minus one;
    ``reason`` is "max iterations", "function values converged", "gradient converged" or "line search
    failed", and ``converged`` is true for the middle two."""
    x: np.ndarray
    objective_history: list
    iterations: int
    converged: bool
    reason: str


class _SearchFailed(Exception):
    """Breeze's FirstOrderException: no step can be taken from the current point and history."""


class _Probe(NamedTuple):
    """One point of a line search: the step, the objective there and its slope along the direction."""
    t: float
    value: float
    slope: float


def minimize(fun: Callable, x0, *, max_iter: int = 100, tol: float = 1e-6, m: int = 10,
             l1: Optional[np.ndarray] = None, callback: Optional[Callable] = None) -> OptimResult:
    """Minimise ``fun(x) + sum(l1 * |x|)``: L-BFGS when ``l1`` is None, OWL-QN otherwise.

    ``fun(x)`` returns ``(value, gradient)``; ``l1`` holds a non-negative weight per coordinate (0 leaves
    it unpenalised, as Spark leaves intercepts); ``callback(iteration, x, objective)`` runs after each
    accepted iteration."""
    x = np.array(x0, dtype=np.float64)
    if l1 is not None:
        l1 = np.asarray(l1, dtype=np.float64)
        if l1.shape != x.shape or np.any(l1 < 0):
            raise ValueError(f"l1 must hold one non-negative weight per coordinate ({x.size}), got {l1}")
    evaluate = _cached_objective(fun, l1)
    value, grad, objective, pseudo_grad = evaluate(x)
    initial_objective = objective
    recent_objectives = [np.inf]
    memory: list = []            # (step, gradient change) pairs, newest first
    iteration = 0
    failed_once = search_failed = False
    history = [objective]
    while (reason := _stop_reason(iteration, objective, pseudo_grad, recent_objectives, initial_objective,
                                  search_failed, max_iter, tol)) is None:
        try:
            if l1 is None:
                new_x = _lbfgs_step(evaluate, x, grad, memory, iteration)
            else:
                new_x = _owlqn_step(evaluate, x, value, grad, pseudo_grad, memory, iteration)
        except _SearchFailed:
            search_failed, failed_once = failed_once, True
            memory = []
        else:
            value, new_grad, objective, pseudo_grad = evaluate(new_x)
            memory = [(new_x - x, new_grad - grad)] + memory[:m - 1]
            x, grad = new_x, new_grad
            iteration += 1
            recent_objectives = (recent_objectives + [objective])[-FUNCTION_VALUE_MEMORY:]
            failed_once = False
            if callback is not None:
                callback(iteration, x, objective)
        # Spark records every state Breeze yields, the retry after a failed search included
        history.append(objective)
    return OptimResult(x=x, objective_history=history, iterations=len(history) - 1,
                       converged=reason in CONVERGED_REASONS, reason=reason)


def _cached_objective(fun: Callable, l1: Optional[np.ndarray]) -> Callable:
    """``x -> (value, gradient, objective, pseudo-gradient)``, calling ``fun`` only for a new point.

    Without ``l1`` the objective and its gradient are ``fun``'s own; with it they are OWL-QN's: the L1
    term added, and at a zero coordinate the one-sided derivative that descends, or 0 if neither does."""
    last: list = []

    def evaluate(x):
        if last and np.array_equal(last[0], x):
            return last[1]
        value, grad = fun(x)
        value, grad = float(value), np.asarray(grad, dtype=np.float64)
        if grad.shape != x.shape:
            raise ValueError(f"the objective's gradient has shape {grad.shape}, expected {x.shape}")
        objective, pseudo_grad = value, grad
        if l1 is not None:
            objective = value + float(np.sum(np.abs(l1 * x)))
            at_zero = np.where(grad - l1 > 0, grad - l1, np.where(grad + l1 < 0, grad + l1, 0.0))
            pseudo_grad = np.where(x != 0, grad + np.sign(x) * l1, at_zero)
        last[:] = [x, (value, grad, objective, pseudo_grad)]
        return last[1]
    return evaluate


def _stop_reason(iteration, objective, pseudo_grad, recent_objectives, initial_objective, search_failed,
                 max_iter, tol) -> Optional[str]:
    """Breeze's defaultConvergenceCheck, its tests in its order (relative tolerances)."""
    if 0 <= max_iter <= iteration:
        return "max iterations"
    if len(recent_objectives) >= 2 and \
            abs(objective - max(recent_objectives)) <= tol * abs(initial_objective):
        return "function values converged"
    if np.linalg.norm(pseudo_grad) <= max(tol * abs(objective), 1e-8):
        return "gradient converged"
    if search_failed:
        return "line search failed"
    return None


def _two_loop(grad: np.ndarray, memory: list) -> np.ndarray:
    """The L-BFGS direction ``-H grad``, H scaled by the newest pair's s.y / y.y."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 1.0
        if memory:
            step, grad_change = memory[0]
            curvature = step @ grad_change
            if curvature < 0 or np.isnan(curvature):
                raise _SearchFailed("the history has negative curvature")
            scale = curvature / (grad_change @ grad_change)
        direction = grad.copy()
        alphas = []
        for step, grad_change in memory:
            alpha = (step @ direction) / (step @ grad_change)
            if np.isnan(alpha):
                raise _SearchFailed("the history produced NaN")
            direction -= alpha * grad_change
            alphas.append(alpha)
        direction *= scale
        for (step, grad_change), alpha in zip(reversed(memory), reversed(alphas)):
            beta = (grad_change @ direction) / (step @ grad_change)
            direction += (alpha - beta) * step
    return -direction


def _line(evaluate: Callable, move: Callable, direction: np.ndarray) -> Callable:
    """The objective along a search line: ``t -> (objective, its gradient . direction)`` at ``move(t)``."""
    def phi(t: float):
        _, _, objective, pseudo_grad = evaluate(move(t))
        return objective, float(pseudo_grad @ direction)
    return phi


def _lbfgs_step(evaluate, x, grad, memory, iteration) -> np.ndarray:
    direction = _two_loop(grad, memory)
    init = 1.0 / np.linalg.norm(direction) if iteration == 0 else 1.0
    t = _strong_wolfe(_line(evaluate, lambda t: x + t * direction, direction), init)
    if t * np.linalg.norm(grad) < 1e-10:
        raise _SearchFailed("step size underflow")
    return x + t * direction


def _owlqn_step(evaluate, x, value, grad, pseudo_grad, memory, iteration) -> np.ndarray:
    direction = _two_loop(pseudo_grad, memory)
    direction = np.where(direction * pseudo_grad < 0, direction, 0.0)
    orthant = np.where(x != 0, np.sign(x), np.sign(-pseudo_grad))

    def move(t):
        stepped = x + t * direction
        return np.where(np.sign(stepped) == orthant, stepped, 0.0)

    first = iteration < 1
    t = _backtracking(_line(evaluate, move, direction), value,
                      init=0.5 / np.linalg.norm(grad) if first else 1.0, shrink=0.1 if first else 0.5)
    return move(t)


def _strong_wolfe(phi: Callable, init: float, c1=1e-4, c2=0.9, max_steps=10, max_zooms=10) -> float:
    """A step meeting the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6)."""
    low = start = _Probe(0.0, *phi(0.0))
    if start.slope > 0:
        raise _SearchFailed(f"not a descent direction (slope {start.slope})")

    def zoom(low: _Probe, high: _Probe) -> float:
        for _ in range(max_zooms):
            t = _cubic_minimum(high, low) if low.t > high.t else _cubic_minimum(low, high)
            if np.isnan(t):
                break
            probe = _Probe(t, *phi(t))
            if probe.value > start.value + c1 * t * start.slope or probe.value >= low.value:
                high = probe
                continue
            if abs(probe.slope) <= c2 * abs(start.slope):
                return t
            if probe.slope * (high.t - low.t) >= 0:
                high = low
            low = probe
        raise _SearchFailed("line search zoom failed")

    t = init
    for i in range(max_steps):
        probe = _Probe(t, *phi(t))
        if not np.isfinite(probe.value):
            t /= 2.0        # a step out of the objective's domain: come back
            continue
        if probe.value > start.value + c1 * t * start.slope or (i > 0 and probe.value >= low.value):
            return zoom(low, probe)
        if abs(probe.slope) <= c2 * abs(start.slope):
            return t
        if probe.slope >= 0:
            return zoom(probe, low)
        low = probe
        t *= 1.5
    raise _SearchFailed("line search failed")


def _cubic_minimum(left: _Probe, right: _Probe) -> float:
    """The minimiser of the cubic through two probes' values and slopes, kept inside the middle 80%."""
    with np.errstate(invalid="ignore"):
        d1 = left.slope + right.slope - 3 * (left.value - right.value) / (left.t - right.t)
        d2 = np.sqrt(d1 * d1 - left.slope * right.slope)
        t = right.t - (right.t - left.t) * (right.slope + d2 - d1) / (right.slope - left.slope + 2 * d2)
    lower, upper = left.t + 0.1 * (right.t - left.t), left.t + 0.9 * (right.t - left.t)
    return lower if t < lower else upper if t > upper else float(t)


def _backtracking(phi: Callable, start_value: float, init: float, shrink: float, grow=2.1, c_armijo=1e-4,
                  c_wolfe=0.9, max_steps=20, min_step=1e-10, max_step=1e10) -> float:
    """Breeze's BacktrackingLineSearch, as OWL-QN calls it.

    Two quirks are kept because they decide Spark's path: the first trial step is judged with the
    value at the start of the line (``start_value``, the smooth part without the L1 term) beside its
    own slope, and a search that runs out of steps returns the last step it judged instead of failing
    (Breeze evaluates one more step and drops it; that pass is skipped here)."""
    value0, slope0 = phi(0.0)
    t, value, slope = init, start_value, phi(init)[1]
    for steps_left in range(max_steps, 0, -1):
        if value > value0 + t * slope0 * c_armijo:
            factor = shrink
        elif slope < c_wolfe * slope0:
            factor = grow
        elif slope > -c_wolfe * slope0:
            factor = shrink
        else:
            return t
        if not min_step <= t * factor <= max_step:
            raise _SearchFailed(f"step size {t * factor} out of range")
        if steps_left == 1:
            return t
        t *= factor
        value, slope = phi(t)
