"""A block of clients' working lives: contract slots month by month, the jobs behind the contracts (and the
jobs nobody was hired for), proposals, and the payments.

Each client has ``slots`` concurrent contracts (by segment) for every month it lives and pays in each of
them every month; a slot moves to a new contract (a new job) at the renewal rate. Rates that the plan
targets (renewals, unfilled jobs, the AI share of new jobs) are applied by *systematic sampling* within each
month: exactly round(rate x n) rows are picked, at random, so counts carry no binomial noise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gigsight.simulate.calibrate import Fit, yearly_path
from gigsight.simulate.population import Clients, Freelancers
from gigsight.simulate.text import Grammar

DAY_S = 86_400
SPEND_SHAPE = 16.0         # gamma shape of month-to-month spend noise (cv 0.25)


def systematic(rng: np.random.Generator, month: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Flag exactly ~rate[m] x (rows in month m) rows of each month, chosen at random."""
    n = len(month)
    if n == 0:
        return np.zeros(0, bool)
    # months in order, rows shuffled within a month: one sort of month + a uniform draw (a third of lexsort's time)
    order = np.argsort(month + rng.random(n), kind="stable")
    sm = month[order]
    per_month = np.bincount(sm)
    first = (np.cumsum(per_month) - per_month)[sm]
    rank = np.arange(n) - first
    q = rate[sm]
    phase = rng.random(int(month.max()) + 1)[sm]
    flag = np.floor((rank + 1) * q + phase) > np.floor(rank * q + phase)
    out = np.empty(n, bool)
    out[order] = flag
    return out


def _ts(fit: Fit, month: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    start = fit.time.month_starts()[month].astype("datetime64[s]").astype(np.int64)
    out: np.ndarray = (start + seconds.astype(np.int64)).astype("datetime64[s]")
    return out


Arrays = dict[str, np.ndarray]


class Generator:
    """Monthly paths of one fitted scenario; ``block()`` turns a slice of clients into records."""

    def __init__(self, fit: Fit, clients: Clients, freelancers: Freelancers, grammar: Grammar) -> None:
        self.fit, self.clients, self.free, self.g = fit, clients, freelancers, grammar
        b: dict[str, Any] = fit.scenario.behaviour
        self.b = b
        t = fit.time
        years, frac = t.year, t.moy / 12
        self.season = np.asarray(b["seasonality"], float)[t.moy]
        self.renew = b["renewal"] * self.season
        self.client_fee = yearly_path(b["fees"]["client"], years, frac)
        self.free_fee = yearly_path(b["fees"]["freelancer"], years, frac)
        self.days = t.days()
        self.slots = np.array([b["segments"][k]["slots"] for k in fit.segments], np.int64)
        kinds = grammar.kinds[: grammar.n_ai]
        self.kind_w = np.stack([yearly_path(b["ai_kinds"][k], years, frac) for k in kinds], axis=1)
        cats = grammar.kinds[grammar.n_ai:]
        y0 = int(fit.scenario.start[:4])
        self.cat_w = np.stack([b["category_shares"][c] * (1 + b["category_growth"].get(c, 0.0))
                               ** (years + frac - y0) for c in cats], axis=1)

    def _kinds(self, rng: np.random.Generator, ai: np.ndarray, month: np.ndarray) -> np.ndarray:
        kind = np.empty(len(ai), np.int64)
        for flag, w, offset in ((True, self.kind_w, 0), (False, self.cat_w, self.g.n_ai)):
            m = np.flatnonzero(ai == flag)
            cdf = np.cumsum(w[month[m]], axis=1)
            cdf /= cdf[:, -1:]
            kind[m] = offset + np.minimum((rng.random(len(m))[:, None] > cdf).sum(axis=1), w.shape[1] - 1)
        return kind

    def block(self, rng: np.random.Generator, lo: int, hi: int, ids: dict[str, int]) -> tuple[Arrays, Arrays, Arrays]:
        """The jobs, contracts and payments of clients lo..hi-1 as arrays (``tables.block_tables`` makes them
        records); ``ids`` holds the next free number of each id and is advanced."""
        fit, c, b = self.fit, self.clients, self.b
        n_months, first = fit.time.n, fit.time.first
        cl = np.arange(lo, hi)
        slots = self.slots[c.segment[cl]]
        last = np.minimum(c.month[cl] + c.lifetime[cl] - 1, n_months - 1)
        lens = last - c.month[cl] + 1
        # slot-months, slot-major and month-ascending
        slot_client = np.repeat(cl, slots)
        slot_len = np.repeat(lens, slots)
        row_slot = np.repeat(np.arange(len(slot_client)), slot_len)
        row_client = slot_client[row_slot]
        starts = np.cumsum(slot_len) - slot_len
        age = np.arange(len(row_slot)) - starts[row_slot]
        month = c.month[row_client] + age
        new = age == 0
        older = np.flatnonzero(~new)
        new[older] = systematic(rng, month[older], self.renew)
        contract_of_row = np.cumsum(new) - 1
        # contracts
        k_rows = np.flatnonzero(new)
        k_client, k_month = row_client[k_rows], month[k_rows]
        n_k = len(k_rows)
        k_day = np.where(age[k_rows] == 0, c.day[k_client], rng.integers(0, 21, n_k) % self.days[k_month])
        tth = np.minimum(np.exp(np.log(b["time_to_hire_days"]["median"])
                                + b["time_to_hire_days"]["spread"] * rng.standard_normal(n_k)), 30.0)
        k_start_s = k_day * DAY_S + rng.integers(0, 8 * 3600, n_k)
        # the AI share applies to jobs by the month they are posted in (a job may precede its contract's month)
        posted_month = k_month - (k_start_s < tth * DAY_S)
        k_ai = systematic(rng, np.maximum(posted_month, 0), fit.ai_share)
        k_kind = self._kinds(rng, k_ai, k_month)
        k_hourly = rng.random(n_k) < b["hourly_share"]
        k_free = self.free.pick(rng, k_ai, k_month)
        k_last_month = np.maximum.reduceat(month, k_rows) if n_k else np.zeros(0, np.int64)
        # payments: every emitted slot-month pays
        pay_rows = np.flatnonzero(month >= first)
        paying = np.zeros(n_k, bool)
        paying[contract_of_row[pay_rows]] = True
        x = (c.value[row_client[pay_rows]] * fit.spend_level[month[pay_rows]] * self.season[month[pay_rows]]
             * rng.gamma(SPEND_SHAPE, 1 / SPEND_SHAPE, len(pay_rows)) / self.slots[c.segment[row_client[pay_rows]]])
        payments = self._payments(rng, pay_rows, x, month, new, contract_of_row, k_hourly, k_day, ids)
        # keep contracts that pay inside the records; renumber
        keep = np.flatnonzero(paying)
        k_id = np.full(n_k, -1, np.int64)
        k_id[keep] = ids["contract"] + np.arange(len(keep))
        ids["contract"] += len(keep)
        payments["contract"] = k_id[payments["contract"]]
        ended = k_last_month[keep] < n_months - 1
        end_s = np.where(ended, (self.days[k_last_month[keep]] - 1) * DAY_S + 20 * 3600, 0)
        contracts = {
            "contract_id": k_id[keep], "client": k_client[keep], "freelancer": k_free[keep],
            "started_at": _ts(fit, k_month[keep], k_start_s[keep]),
            "ended_at": np.where(ended, _ts(fit, k_last_month[keep], end_s), np.datetime64("NaT")),
            "hourly": k_hourly[keep], "rate": np.where(k_hourly[keep], self.free.rate[k_free[keep]],
                                                      np.round(c.value[k_client[keep]] * 3, 0)),
        }
        return self._finish(rng, contracts, k_ai[keep], k_kind[keep], tth[keep], k_month[keep], k_start_s[keep],
                            row_client, month, new, payments, ids)

    def _payments(self, rng: np.random.Generator, rows: np.ndarray, x: np.ndarray, month: np.ndarray,
                  new: np.ndarray, contract_of_row: np.ndarray, hourly: np.ndarray, k_day: np.ndarray,
                  ids: dict[str, int]) -> dict[str, np.ndarray]:
        b = self.b
        k = contract_of_row[rows]
        m = month[rows]
        is_hourly = hourly[k]
        count = np.where(is_hourly, 4, 1 + (rng.random(len(rows)) < 0.3))
        bonus = rng.random(len(rows)) < b["bonus_probability"]
        refund = rng.random(len(rows)) < b["refund"]["probability"]
        total = count + bonus + refund
        p_row = np.repeat(np.arange(len(rows)), total)
        within = np.arange(len(p_row)) - np.repeat(np.cumsum(total) - total, total)
        is_bonus = bonus[p_row] & (within == count[p_row])
        is_refund = refund[p_row] & (within == total[p_row] - 1)
        regular = ~(is_bonus | is_refund)
        share = np.where(bonus[p_row], 0.9, 1.0) / count[p_row]
        amount = np.where(regular, x[p_row] * share, 0.1 * x[p_row])
        amount = np.where(is_refund, -b["refund"]["fraction"] * x[p_row], amount)
        amount = np.round(np.maximum(np.abs(amount), 0.01), 2) * np.sign(amount + 1e-12)
        lo = np.where(new[rows], k_day[k], 0)[p_row]
        span = self.days[m][p_row] - lo
        pos = np.where(regular, (within + 0.2 + 0.6 * rng.random(len(p_row))) / count[p_row], 0.95)
        day = lo + np.minimum((pos * span).astype(np.int64), span - 1)
        sec = day * DAY_S + 9 * 3600 + rng.integers(0, 14 * 3600, len(p_row))
        pm = m[p_row]
        positive = amount > 0
        kind = np.where(is_refund, 3, np.where(is_bonus, 2, np.where(is_hourly[p_row], 1, 0)))
        n = len(p_row)
        out = {"payment_id": ids["payment"] + np.arange(n), "contract": k[p_row], "paid_at": _ts(self.fit, pm, sec),
               "amount": amount,
               "client_fee": np.where(positive, np.round(amount * self.client_fee[pm], 2), 0.0),
               "freelancer_fee": np.where(positive, np.round(amount * self.free_fee[pm], 2), 0.0),
               "kind": kind}
        ids["payment"] += n
        return out

    def _finish(self, rng: np.random.Generator, k: dict[str, np.ndarray], k_ai: np.ndarray, k_kind: np.ndarray,
                tth: np.ndarray, k_month: np.ndarray, k_start_s: np.ndarray, row_client: np.ndarray,
                month: np.ndarray, new: np.ndarray, pay: dict[str, np.ndarray],
                ids: dict[str, int]) -> tuple[Arrays, Arrays, Arrays]:
        fit, b = self.fit, self.b
        # unfilled jobs: a share of each month's new contracts, posted by clients live that month
        emitted = np.flatnonzero(month >= fit.time.first)
        n_new = np.bincount(month[emitted][new[emitted]], minlength=fit.time.n)
        live = np.bincount(month[emitted], minlength=fit.time.n)
        rate = np.where(live > 0, b["unfilled_jobs_per_contract"] * n_new / np.maximum(live, 1), 0.0)
        pick = emitted[systematic(rng, month[emitted], np.minimum(rate, 1.0))]
        u_client, u_month = row_client[pick], month[pick]
        u_ai = systematic(rng, u_month, fit.ai_share)
        lo_day = np.where(u_month == self.clients.month[u_client], self.clients.day[u_client], 0)
        u_s = (lo_day + (rng.random(len(pick)) * (self.days[u_month] - lo_day)).astype(np.int64)) * DAY_S \
            + rng.integers(0, DAY_S, len(pick))
        n_k, n_u = len(k["contract_id"]), len(pick)
        job_id = ids["job"] + np.arange(n_k + n_u)
        ids["job"] += n_k + n_u
        posted_k = _ts(fit, k_month, k_start_s) - (tth * DAY_S).astype("timedelta64[s]")
        jobs = {"job_id": job_id, "client": np.concatenate([k["client"], u_client]),
                "posted_at": np.concatenate([posted_k, _ts(fit, u_month, u_s)]),
                "ai": np.concatenate([k_ai, u_ai]),
                "kind": np.concatenate([k_kind, self._kinds(rng, u_ai, u_month)]),
                "hourly": np.concatenate([k["hourly"], rng.random(n_u) < b["hourly_share"]]),
                "filled": np.arange(n_k + n_u) < n_k, "tth": np.concatenate([tth, np.zeros(n_u)])}
        k["job_id"] = job_id[:n_k]
        return jobs, k, pay


__all__ = ["DAY_S", "Generator", "systematic"]
