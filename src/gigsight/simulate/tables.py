"""Arrow tables in the canonical layout (and the planted-truth tables) from the generator's arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gigsight.simulate.activity import DAY_S, Generator

if TYPE_CHECKING:
    from gigsight.simulate.population import Clients, Freelancers

MONEY = pa.decimal128(18, 2)
TS = pa.timestamp("us")
PAY_KINDS = pa.array(["milestone", "hourly", "bonus", "refund"])
BUDGET = pa.array(["fixed", "hourly"])
USD = pa.array(["USD"])
SIZES = ((1, 10), (5, 200), (50, 2000), (1000, 100_000))   # employees by value segment


# the five ASCII digits of every number below 100,000: an id's nine digits are two lookups, not nine divisions
_DIGITS5 = (np.arange(100_000)[:, None] // 10 ** np.arange(4, -1, -1) % 10 + ord("0")).astype(np.uint8)
ID_LIMIT = 10**9


# The columns below are built straight into Arrow buffers: formatting ids through Arrow's string kernels and
# casting floats to decimals took more than half of the generator's time.
def ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """'c000000042'-style ids: a letter and nine digits, so ids sort in creation order.

    >>> ids("c", np.array([0, 42])).to_pylist()
    ['c000000000', 'c000000042']
    """
    num = np.asarray(numbers, np.int64)
    n = len(num)
    if n and (num.min() < 0 or num.max() >= ID_LIMIT):
        raise ValueError(f"ids take numbers from 0 to {ID_LIMIT - 1}, got {num.min()}..{num.max()}")
    chars = np.empty((n, 10), np.uint8)
    chars[:, 0] = ord(prefix)
    high = num // 100_000
    chars[:, 1:5] = _DIGITS5[high, 1:]
    chars[:, 5:] = _DIGITS5[num - high * 100_000]
    offsets = np.arange(0, 10 * n + 1, 10, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


def money(x: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Amounts rounded to the cent as decimal(18,2); ``valid``: False where the amount is missing.

    >>> money(np.array([1.005, -2.5, 3.0]), np.array([True, True, False])).to_pylist()
    [Decimal('1.00'), Decimal('-2.50'), None]
    """
    cents = np.rint(np.asarray(x, np.float64) * 100)
    if valid is not None:
        cents = np.where(valid, cents, 0.0)
    words = np.empty((len(cents), 2), np.int64)  # a decimal128 is a little-endian 128-bit integer of cents
    words[:, 0] = cents.astype(np.int64)
    words[:, 1] = words[:, 0] >> 63
    mask = None if valid is None else pa.array(np.asarray(valid, bool)).buffers()[1]
    nulls = 0 if valid is None else int(len(cents) - np.count_nonzero(valid))
    return pa.Array.from_buffers(MONEY, len(cents), [mask, pa.py_buffer(words)], null_count=nulls)


def labels(names: pa.Array, index: np.ndarray) -> pa.Array:
    """``names[index]`` for every row: a few distinct strings repeated (currencies, contract types, kinds)."""
    return names.take(pa.array(np.asarray(index, np.int32)))


def ts(x: np.ndarray) -> pa.Array:
    return pa.array(x.astype("datetime64[us]"), TS)


@dataclass
class Block:
    """Arrow tables of one block (canonical columns, plus the planted truth of each job)."""

    jobs: pa.Table
    truth_jobs: pa.Table
    contracts: pa.Table
    payments: pa.Table
    proposals: pa.Table



def _month_index(gen: Generator, stamps: np.ndarray) -> np.ndarray:
    t = gen.fit.time
    m = stamps.astype("datetime64[M]").astype(np.int64) + 1970 * 12 - (t.year0 * 12 + t.month0 - 1)
    return np.clip(m, 0, t.n - 1)


def block_tables(gen: Generator, rng: np.random.Generator, jobs: dict[str, np.ndarray],
                 k: dict[str, np.ndarray], pay: dict[str, np.ndarray], id_counters: dict[str, int]) -> Block:
    c, b = gen.clients, gen.b
    n_j = len(jobs["job_id"])
    text = gen.g.render(rng, jobs["kind"], jobs["ai"], b["incidental_ai_mentions"], b["typo_rate"])
    month = _month_index(gen, jobs["posted_at"])
    level = c.value[jobs["client"]] * gen.fit.spend_level[month] * 3
    hourly = jobs["hourly"]
    budget_min = np.where(hourly, np.where(jobs["ai"], 30.0, 15.0), np.round(level * 0.6, 0) + 5)
    budget_max = np.where(hourly, np.where(jobs["ai"], 120.0, 60.0), np.round(level * 1.4, 0) + 10)
    job_ids = ids("j", jobs["job_id"])
    kinds = np.array(gen.g.kinds, dtype=object)
    jobs_t = pa.table({
        "job_id": job_ids, "client_id": ids("c", jobs["client"]), "posted_at": ts(jobs["posted_at"]),
        "title": text["title"], "description": text["description"], "category": text["category"],
        "subcategory": text["subcategory"], "budget_type": labels(BUDGET, hourly),
        "budget_min": money(budget_min), "budget_max": money(budget_max), "currency": labels(USD, np.zeros(n_j)),
        "skills": text["skills"], "is_ai": pa.array(jobs["ai"]),
    })
    truth = pa.table({"job_id": job_ids, "is_ai": pa.array(jobs["ai"]),
                      "ai_kind": pa.array(np.where(jobs["ai"], kinds[jobs["kind"]], None), pa.string()),
                      "category": text["category"], "skills": text["truth_skills"],
                      "filled": pa.array(jobs["filled"])})
    contracts = pa.table({
        "contract_id": ids("k", k["contract_id"]), "job_id": ids("j", k["job_id"]),
        "client_id": ids("c", k["client"]), "freelancer_id": ids("f", k["freelancer"]),
        "started_at": ts(k["started_at"]), "ended_at": ts(k["ended_at"]),
        "contract_type": labels(BUDGET, k["hourly"]), "rate": money(k["rate"]),
    })
    pk = pay["contract"]
    n_p = len(pk)
    k_pos = pk - k["contract_id"][0] if len(k["contract_id"]) else pk
    payments = pa.table({
        "payment_id": ids("p", pay["payment_id"]), "contract_id": ids("k", pk),
        "client_id": ids("c", k["client"][k_pos]), "freelancer_id": ids("f", k["freelancer"][k_pos]),
        "paid_at": ts(pay["paid_at"]), "amount": money(pay["amount"]), "client_fee": money(pay["client_fee"]),
        "freelancer_fee": money(pay["freelancer_fee"]), "currency": labels(USD, np.zeros(n_p)),
        "kind": labels(PAY_KINDS, pay["kind"]),
    })
    return Block(jobs_t, truth, contracts, payments, _proposals(gen, rng, jobs, k, month, id_counters))


def _proposals(gen: Generator, rng: np.random.Generator, jobs: dict[str, np.ndarray], k: dict[str, np.ndarray],
               month: np.ndarray, id_counters: dict[str, int]) -> pa.Table:
    b = gen.b
    lam = np.where(jobs["ai"], b["proposals_per_job"]["ai"], b["proposals_per_job"]["ordinary"])
    others = rng.poisson(lam)
    filled = jobs["filled"]
    total = others + filled
    job = np.repeat(np.arange(len(total)), total)
    within = np.arange(len(job)) - np.repeat(np.cumsum(total) - total, total)
    hired = filled[job] & (within == others[job])
    group = np.where(rng.random(len(job)) < 0.7, jobs["ai"][job], ~jobs["ai"][job])
    free = gen.free.pick(rng, group, month[job])
    n_k = len(k["freelancer"])
    hired_free = np.concatenate([k["freelancer"], np.zeros(len(total) - n_k, np.int64)])
    free = np.where(hired, hired_free[job], free)
    wait_days = np.where(filled[job], np.minimum(jobs["tth"][job], 3.0), 5.0) * rng.random(len(job))
    submitted = jobs["posted_at"][job] + (wait_days * DAY_S).astype("timedelta64[s]")
    bid = np.where(jobs["hourly"][job], gen.free.rate[free], 0.0)
    n = len(job)
    out = pa.table({"proposal_id": ids("r", id_counters["proposal"] + np.arange(n)),
                    "job_id": ids("j", jobs["job_id"][job]), "freelancer_id": ids("f", free),
                    "submitted_at": ts(submitted),
                    "bid_amount": money(bid, bid > 0)})
    id_counters["proposal"] += n
    return out


def client_tables(gen: Generator, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """The clients table and its truth (acquisition date, value segment, channel)."""
    c: Clients = gen.clients
    n = len(c)
    acquired = gen.fit.time.month_starts()[c.month].astype("datetime64[s]") + (c.day * DAY_S).astype("timedelta64[s]")
    signup = acquired - ((30 + rng.random(n) * 30) * DAY_S).astype("timedelta64[s]")
    lo, hi = (np.array([s[i] for s in SIZES])[c.segment] for i in (0, 1))
    size = np.exp(np.log(lo) + rng.random(n) * (np.log(hi) - np.log(lo))).astype(np.int64)
    known = rng.random(n) < 0.6
    countries = np.array(list(gen.b["client_countries"]), dtype=object)
    client_ids = ids("c", np.arange(n))
    channel = pa.array(np.array(list(gen.b["channels"]), dtype=object)[c.channel])
    clients = pa.table({"client_id": client_ids, "signup_at": ts(signup), "country": pa.array(countries[c.country]),
                        "company_size": pa.array(np.where(known, size, 0), pa.int64(), mask=~known),
                        "is_enterprise": pa.array(c.segment == len(gen.fit.segments) - 1),
                        "acquisition_channel": channel})
    # the latent behaviour a client value forecast estimates: spend level, monthly churn, when it stops buying
    churn = np.array([gen.fit.scenario.behaviour["segments"][k]["churn"] for k in gen.fit.segments])[c.segment]
    starts = gen.fit.time.month_starts().astype("datetime64[s]")
    stop = c.month + c.lifetime
    dropout = pa.array(starts[np.minimum(stop, len(starts) - 1)].astype("datetime64[us]"), TS,
                       mask=stop >= len(starts))  # empty: still buying when the records end
    truth = pa.table({"client_id": client_ids, "acquired_at": ts(acquired),
                      "segment": pa.array(np.array(gen.fit.segments, dtype=object)[c.segment]), "channel": channel,
                      "monthly_spend_level": pa.array(np.round(c.value, 2)), "churn_per_month": pa.array(churn),
                      "lifetime_months": pa.array(c.lifetime), "dropout_at": dropout})
    return clients, truth


def freelancer_tables(gen: Generator, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    f: Freelancers = gen.free
    n = len(f)
    starts = gen.fit.time.month_starts()[f.month].astype("datetime64[s]")
    signup = starts + (f.day * DAY_S + rng.integers(0, DAY_S, n)).astype("timedelta64[s]")
    prof = gen.g.profile(rng, f.home)
    countries = np.array(list(gen.b["freelancer_countries"]), dtype=object)
    free_ids = ids("f", np.arange(n))
    freelancers = pa.table({"freelancer_id": free_ids, "signup_at": ts(signup),
                            "country": pa.array(countries[f.country]), "hourly_rate": money(f.rate),
                            "title": prof["title"], "profile": prof["profile"]})
    lengths = pc.list_value_length(prof["skills"]).to_numpy()
    skills = pa.table({"freelancer_id": free_ids.take(pa.array(np.repeat(np.arange(n), lengths))),
                       "skill": pc.list_flatten(prof["skills"])})
    return freelancers, skills


def truth_targets(scenario: Any, scale: float, seed: int) -> pa.Table:
    rows = [{"scenario": scenario.name, "metric": t.metric, "period": t.period, "kind": t.kind,
             "target": t.value if t.value is not None else t.yoy, "tolerance": t.tolerance,
             "detail": t.direction or "|".join(t.top_skills) or None, "scale": scale, "seed": seed}
            for t in scenario.targets]
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("scenario", pa.string()), ("metric", pa.string()), ("period", pa.string()), ("kind", pa.string()),
        ("target", pa.float64()), ("tolerance", pa.float64()), ("detail", pa.string()), ("scale", pa.float64()),
        ("seed", pa.int64())]))


__all__ = ["Block", "block_tables", "client_tables", "freelancer_tables", "ids", "truth_targets"]
