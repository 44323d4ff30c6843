"""Buy-till-you-die models of repeat purchasing: BG/NBD, Pareto/NBD and Gamma-Gamma, fitted by maximum likelihood.

Closed-form likelihoods (Fader, Hardie & Lee 2005; Schmittlein, Morrison & Colombo 1987; Fader & Hardie's notes)
fitted with scipy, so no unmaintained CLV library is needed. Each model takes one row per client: ``x`` repeat
purchase days, ``t_x`` the time of the last one and ``T`` the time since the first (all in the same unit, days in
gigsight), and for Gamma-Gamma the mean spend ``m`` of the repeat purchase days. Identical rows are fitted once
with a weight, which makes millions of clients cheap (most share a handful of (x, t_x, T) values).

>>> import numpy as np
>>> x, t_x, T = np.array([0, 2, 5]), np.array([0.0, 20.0, 30.0]), np.array([40.0, 40.0, 40.0])
>>> m = BGNBD(r=0.24, alpha=4.4, a=0.79, b=2.4)
>>> [round(float(v), 3) for v in m.p_alive(x, t_x, T)]
[1.0, 0.53, 0.68]
>>> round(float(m.expected(x, t_x, T, 39.0)[1]), 3)
0.873
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gigsight.errors import GigsightError

Array = NDArray[np.float64]


def _grouped(*cols: Any) -> tuple[list[Array], Array, NDArray[np.int64]]:
    """Distinct rows of the columns, their counts, and the index mapping each row to its distinct row."""
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in cols])
    uniq, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return [uniq[:, i] for i in range(uniq.shape[1])], counts.astype(float), inverse.ravel()


def gammaln(x: Any) -> Any:
    # scipy is imported on first use: it costs half a second of every gigsight start, and most never fit a model
    from scipy.special import gammaln as f

    return f(x)


def betaln(a: Any, b: Any) -> Any:
    from scipy.special import betaln as f

    return f(a, b)


def hyp2f1(a: Any, b: Any, c: Any, z: Any) -> Any:
    from scipy.special import hyp2f1 as f

    return f(a, b, c, z)


def digamma(x: Any) -> Any:
    from scipy.special import digamma as f

    return f(x)


def _mean_nll(loglik: Any, score: Any, w: Array, *data: Array) -> tuple[Any, Any]:
    """The weighted mean negative log-likelihood over log-parameters, and its gradient from the per-row score
    (d loglik / d parameter): with it the quasi-Newton search takes one evaluation a step instead of five."""
    def nll(p: Array) -> float:
        return -float(np.sum(w * loglik(np.exp(p), *data))) / float(w.sum())

    def grad(p: Array) -> Array:
        theta = np.exp(p)
        return np.asarray(-(score(theta, *data) @ w) * theta / w.sum(), dtype=float)

    return nll, grad


def _fit(nll: Any, start: list[float], name: str, grad: Any = None) -> Array:
    """Minimise a negative log-likelihood over log-parameters (keeps them positive), with its gradient when
    given; Nelder-Mead takes over only when the quasi-Newton search does not converge."""
    from scipy.optimize import minimize  # deferred, like the special functions below

    def safe(p: Array) -> float:
        with np.errstate(all="ignore"):  # the search may wander where the likelihood under- or overflows
            v = float(nll(p))
        return v if np.isfinite(v) else 1e12

    def safe_with_grad(p: Array) -> tuple[float, Array]:
        with np.errstate(all="ignore"):
            v, g = float(nll(p)), np.asarray(grad(p), dtype=float)
        return (v, g) if np.isfinite(v) and np.all(np.isfinite(g)) else (1e12, np.zeros_like(p))

    options = {"ftol": 1e-13, "gtol": 1e-9}
    if grad is None:
        best = minimize(safe, np.log(start), method="L-BFGS-B", options=options)
    else:
        best = minimize(safe_with_grad, np.log(start), jac=True, method="L-BFGS-B", options=options)
    if not best.success:
        best = minimize(safe, best.x, method="Nelder-Mead", options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000})
    if not np.all(np.isfinite(best.x)) or not np.isfinite(best.fun):
        raise GigsightError(f"the {name} model could not be fitted to these clients (the likelihood did not "
                            "converge); try a longer history or another --model")
    return np.asarray(np.exp(best.x), dtype=float)


@dataclass(frozen=True)
class BGNBD:
    """Beta-geometric/NBD: purchases at a gamma(r, alpha)-distributed Poisson rate; after each purchase the client
    drops out with a beta(a, b)-distributed probability."""

    r: float
    alpha: float
    a: float
    b: float

    @staticmethod
    def loglik(params: Array, x: Array, t_x: Array, T: Array) -> Array:
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                          -np.inf)
        return np.asarray(a1 + a2 + np.logaddexp(a3, a4), dtype=float)

    @staticmethod
    def score(params: Array, x: Array, t_x: Array, T: Array) -> Array:
        """d loglik / d (r, alpha, a, b), one column per row.

        >>> x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 40.0])
        >>> p, h = np.array([0.3, 4.0, 0.8, 2.5]), 1e-6
        >>> numeric = [(BGNBD.loglik(p + h * e, x, t_x, T) - BGNBD.loglik(p - h * e, x, t_x, T)) / (2 * h)
        ...            for e in np.eye(4)]
        >>> bool(np.allclose(BGNBD.score(p, x, t_x, T), numeric, atol=1e-6))
        True
        """
        r, alpha, a, b = params
        a3 = -(r + x) * np.log(alpha + T)
        repeat = x > 0
        gap = np.where(repeat, b + x - 1, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(repeat, np.log(a) - np.log(gap) - (r + x) * np.log(alpha + t_x), -np.inf)
            w4 = np.exp(a4 - np.logaddexp(a3, a4))  # the weight of "still active" in the mixture
        w3 = 1 - w4
        ab = digamma(a + b) - digamma(a + b + x)
        return np.vstack([
            digamma(r + x) - digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x),
            r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
            ab + w4 / a,
            ab + digamma(b + x) - digamma(b) - w4 / gap,
        ])

    @classmethod
    def fit(cls, x: Any, t_x: Any, T: Any) -> BGNBD:
        """Maximum-likelihood estimates from one row per client."""
        (gx, gt, gT), w, _ = _grouped(x, t_x, T)
        scale = float(np.mean(T)) or 1.0
        nll, grad = _mean_nll(cls.loglik, cls.score, w, gx, gt, gT)
        return cls(*map(float, _fit(nll, [0.5, scale / 10, 1.0, 2.0], "BG/NBD", grad)))

    def p_alive(self, x: Any, t_x: Any, T: Any) -> Array:
        """Probability that the client has not dropped out by ``T``."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            odds = np.where(x > 0, self.a / np.maximum(self.b + x - 1, 1e-300)
                            * np.exp((self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x))), 0.0)
        return np.asarray(1.0 / (1.0 + odds), dtype=float)

    def expected(self, x: Any, t_x: Any, T: Any, t: float) -> Array:
        """Expected purchases in the next ``t`` time units, given each client's history."""
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if abs(a - 1) < 1e-9:  # the closed form divides by a - 1; its limit is continuous there
            a = 1 + 1e-9
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return np.asarray(np.maximum(head * tail * self.p_alive(x, t_x, T), 0.0), dtype=float)


def _log_a0(r: float, alpha: float, s: float, beta: float, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
    """log of the two hypergeometric terms of the Pareto/NBD likelihood (Fader & Hardie's A0 = e^u - e^v)."""
    rsx = r + s + x
    b2: Any
    if alpha >= beta:
        b2, base, diff = s + 1, alpha, alpha - beta
    else:
        b2, base, diff = r + x, beta, beta - alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log(hyp2f1(rsx, b2, rsx + 1, diff / (base + t_x))) - rsx * np.log(base + t_x)
        v = np.log(hyp2f1(rsx, b2, rsx + 1, diff / (base + T))) - rsx * np.log(base + T)
    return u, v


def _log_diff(u: Array, v: Array) -> Array:
    """log(e^u - e^v) for u >= v, -inf where they are equal."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(u + np.log(-np.expm1(np.minimum(v - u, 0.0))), dtype=float)


@dataclass(frozen=True)
class ParetoNBD:
    """Pareto/NBD: purchases at a gamma(r, alpha) Poisson rate while alive; lifetimes exponential with a
    gamma(s, beta)-distributed dropout rate."""

    r: float
    alpha: float
    s: float
    beta: float

    @staticmethod
    def loglik(params: Array, x: Array, t_x: Array, T: Array) -> Array:
        r, alpha, s, beta = params
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        u, v = _log_a0(r, alpha, s, beta, x, t_x, T)
        second = np.log(s) - np.log(r + s + x) + _log_diff(u, v)
        return np.asarray(head + np.logaddexp(first, second), dtype=float)

    @classmethod
    def fit(cls, x: Any, t_x: Any, T: Any) -> ParetoNBD:
        """Maximum-likelihood estimates from one row per client."""
        (gx, gt, gT), w, _ = _grouped(x, t_x, T)
        scale = float(np.mean(T)) or 1.0

        return cls(*map(float, _fit(lambda p: -float(np.sum(w * cls.loglik(np.exp(p), gx, gt, gT))) / w.sum(),
                                    [0.5, scale / 4, 0.5, scale / 4], "Pareto/NBD")))

    def p_alive(self, x: Any, t_x: Any, T: Any) -> Array:
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        u, v = _log_a0(r, alpha, s, beta, x, t_x, T)
        log_odds = (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                    + _log_diff(u, v))
        with np.errstate(over="ignore"):
            return np.asarray(1.0 / (1.0 + np.exp(np.where(np.isfinite(log_odds), log_odds, -np.inf))), dtype=float)

    def expected(self, x: Any, t_x: Any, T: Any, t: float) -> Array:
        x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        lq = np.log((beta + T) / (beta + T + t))
        # [1 - q^(s-1)] / (s-1), written so that s = 1 gives its limit -log q
        frac = -lq if abs(s - 1) < 1e-9 else -np.expm1((s - 1) * lq) / (s - 1)
        return np.asarray((r + x) * (beta + T) / (alpha + T) * frac * self.p_alive(x, t_x, T), dtype=float)


@dataclass(frozen=True)
class GammaGamma:
    """Gamma-Gamma spend per purchase: each purchase's value is gamma(p, nu) with nu ~ gamma(q, gamma) per client;
    fitted on clients with at least one repeat purchase (``x`` > 0) and positive mean repeat spend ``m``."""

    p: float
    q: float
    gamma: float

    @staticmethod
    def loglik(params: Array, x: Array, m: Array) -> Array:
        p, q, g = params
        px = p * x
        return np.asarray(gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
                          + px * np.log(x) - (px + q) * np.log(g + m * x), dtype=float)

    @staticmethod
    def score(params: Array, x: Array, m: Array) -> Array:
        """d loglik / d (p, q, gamma), one column per row.

        >>> x, m, p, h = np.array([1.0, 4.0]), np.array([20.0, 35.0]), np.array([6.0, 3.7, 15.0]), 1e-6
        >>> numeric = [(GammaGamma.loglik(p + h * e, x, m) - GammaGamma.loglik(p - h * e, x, m)) / (2 * h)
        ...            for e in np.eye(3)]
        >>> bool(np.allclose(GammaGamma.score(p, x, m), numeric, atol=1e-6))
        True
        """
        p, q, g = params
        px = p * x
        both = digamma(px + q)
        return np.vstack([x * (both - digamma(px) + np.log(m) + np.log(x) - np.log(g + m * x)),
                          both - digamma(q) + np.log(g) - np.log(g + m * x),
                          q / g - (px + q) / (g + m * x)])

    @classmethod
    def fit(cls, x: Any, m: Any) -> GammaGamma:
        x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
        keep = (x > 0) & (m > 0)
        if keep.sum() < 10:
            raise GigsightError(f"only {int(keep.sum())} clients have a repeat purchase with positive spend: too few "
                                "to fit spend per purchase; use a longer history")
        (gx, gm), w, _ = _grouped(x[keep], m[keep])
        nll, grad = _mean_nll(cls.loglik, cls.score, w, gx, gm)
        return cls(*map(float, _fit(nll, [1.0, 2.0, float(np.median(gm))], "Gamma-Gamma", grad)))

    def mean_spend(self, x: Any, m: Any) -> Array:
        """Expected spend per purchase for each client: a weighted mean of its own repeat spend and the
        population's (clients without repeat purchases get the population mean)."""
        x, m = np.asarray(x, dtype=float), np.nan_to_num(np.asarray(m, dtype=float))
        p, q, g = self.p, max(self.q, 1.0 + 1e-6), self.gamma
        return np.asarray((g + np.maximum(m, 0) * x) * p / (p * x + q - 1), dtype=float)


def params(model: BGNBD | ParetoNBD | GammaGamma) -> dict[str, float]:
    """A model's fitted parameters by name.

    >>> params(GammaGamma(6.25, 3.74, 15.44))
    {'p': 6.25, 'q': 3.74, 'gamma': 15.44}
    """
    return asdict(model)
