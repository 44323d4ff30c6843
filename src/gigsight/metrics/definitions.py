"""The built-in metrics (DESIGN.md "Metric definitions"; public-company conventions).

Divisions cast to float first: Postgres divides NUMERIC by NUMERIC at a few decimals' scale.

Each entry is data: a name, what it means, its unit, the grain it aggregates and the expression.
``docs/metrics.md`` is generated from these objects.
"""

from __future__ import annotations

from gigsight.metrics.registry import Metric, register

PAY = ("ai", "category", "country", "tier", "skill")
WORK = ("ai", "category", "country", "skill")
CLIENT = ("country", "tier")

BUILTIN = [
    Metric("gsv", "Gross services volume: client spend plus client fees, in the period (refunds net).",
           "usd", "payments", measure=lambda t: t.gsv.sum(), segments=PAY, zero_when_empty=True, additive=True),
    Metric("payments", "Number of payments (refunds included).", "count", "payments",
           measure=lambda t: t.count(), segments=PAY, zero_when_empty=True, additive=True),
    Metric("paying_clients", "Clients with at least one payment (refunds included) in the period.", "count",
           "payments", measure=lambda t: t.client_id.nunique(), segments=PAY, zero_when_empty=True),
    Metric("repeat_client_share", "Share of the period's paying clients whose first positive payment came in an "
           "earlier period (the rest are new, or have only refunds so far).", "ratio", "payments",
           measure=lambda t: t.client_id.nunique(where=~t.new_client & (t.first_m < t.m)).cast("float64")
           / t.client_id.nunique().nullif(0), segments=PAY, label="Repeat clients' share"),
    Metric("client_spend", "Client spend without fees (refunds net).", "usd", "payments",
           measure=lambda t: t.amount.sum(), segments=PAY, zero_when_empty=True, additive=True),
    Metric("revenue", "Marketplace revenue: client fees plus freelancer fees.", "usd", "payments",
           measure=lambda t: (t.client_fee + t.freelancer_fee).sum(), segments=PAY, zero_when_empty=True,
           additive=True),
    Metric("take_rate", "Revenue / GSV.", "ratio", "payments", ratio=("revenue", "gsv"), segments=PAY),
    Metric("ai_gsv", "GSV of payments on AI-related jobs.", "usd", "payments",
           measure=lambda t: t.gsv.sum(where=t.ai), segments=("category", "country", "tier", "skill"),
           zero_when_empty=True, label="AI-related GSV", additive=True),
    Metric("ai_gsv_share", "AI-related GSV / GSV.", "ratio", "payments", ratio=("ai_gsv", "gsv"),
           segments=("category", "country", "tier", "skill"), label="AI-related share of GSV"),
    Metric("gsv_from_new_clients", "GSV in the period from clients whose first positive payment is in it.",
           "usd", "payments", measure=lambda t: t.gsv.sum(where=t.new_client), segments=PAY, zero_when_empty=True,
           label="GSV from new clients", additive=True),
    Metric("ttm_gsv", "GSV of the trailing twelve months ending at the period end.", "usd", "client_period",
           measure=lambda t: t.ttm_gsv.sum(), segments=CLIENT, point_in_time=True,
           label="Trailing-twelve-month GSV"),
    Metric("active_clients", "Clients with a positive payment in the trailing twelve months, at the period end.",
           "count", "client_period", measure=lambda t: t.count(where=t.active), segments=CLIENT,
           point_in_time=True),
    Metric("gsv_per_active_client", "Trailing-twelve-month GSV / active clients, at the period end "
           "(identity: TTM GSV = active clients x GSV per active client).", "usd", "client_period",
           ratio=("ttm_gsv", "active_clients"), segments=("country",), point_in_time=True),
    Metric("core_clients", "Active clients with lifetime spend of at least the core threshold ($5K).", "count",
           "client_period", measure=lambda t: t.count(where=t.core), segments=CLIENT, point_in_time=True),
    Metric("clients_by_tier", "Active clients per trailing-twelve-month spend tier (use by=tier).", "count",
           "client_period", measure=lambda t: t.count(where=t.active), segments=CLIENT, point_in_time=True,
           requires_segment="tier"),
    Metric("gsv_by_tier", "Trailing-twelve-month GSV of active clients per spend tier (use by=tier).", "usd",
           "client_period", measure=lambda t: t.ttm_gsv.sum(where=t.active), segments=CLIENT, point_in_time=True,
           requires_segment="tier"),
    Metric("new_clients", "Clients whose first positive payment falls in the period.", "count", "new_clients",
           measure=lambda t: t.count(), segments=("country",), zero_when_empty=True),
    Metric("gsv_per_new_client", "GSV in the first N days (90) of the period's new clients, per new client; "
           "null until the window of the period's last day has closed.", "usd", "new_clients",
           measure=lambda t: t.window_gsv.sum().cast("float64") / t.count().nullif(0), segments=("country",),
           scale_free=True, closing_window="new_client_window_days"),
    Metric("client_spend_retention", "Trailing-twelve-month spend of clients active a year earlier / their "
           "spend in that earlier year.", "ratio", "retention",
           measure=lambda t: t.now_spend.sum().cast("float64") / t.then_spend.sum().cast("float64").nullif(0),
           segments=CLIENT, point_in_time=True),
    Metric("active_freelancers", "Freelancers with earnings in the trailing twelve months, at the period end.",
           "count", "freelancer_period", measure=lambda t: t.count(where=t.active), point_in_time=True),
    Metric("ai_freelancers", "Active freelancers who are AI-specialised: most of their trailing earnings come "
           "from AI-related jobs, or their profile is (enrich stage).", "count", "freelancer_period",
           measure=lambda t: t.count(where=t.ai_specialist), point_in_time=True, label="AI-specialised freelancers"),
    Metric("jobs_posted", "Jobs posted in the period.", "count", "jobs", measure=lambda t: t.count(),
           segments=WORK, zero_when_empty=True),
    Metric("ai_jobs", "AI-related jobs posted in the period (AI project volume).", "count", "jobs",
           measure=lambda t: t.count(where=t.ai), segments=("category", "country", "skill"), zero_when_empty=True,
           label="AI-related jobs posted"),
    Metric("fill_rate", "Share of the period's jobs with a contract within 30 days of posting.", "ratio", "jobs",
           # the condition is never null: Spark counts with SUM(CAST(cond AS INT)), null when no job was hired
           measure=lambda t: t.count(where=(t.days_to_hire <= 30).fill_null(False)).cast("float64")
           / t.count().nullif(0), segments=WORK,
           closing_window=30),
    Metric("time_to_hire", "Median days from posting to the first contract, for jobs filled.", "days", "jobs",
           measure=lambda t: t.days_to_hire.median(), segments=WORK, label="Days to hire (median)",
           better="down"),
    Metric("proposals_per_job", "Proposals received per job posted in the period.", "number", "jobs",
           measure=lambda t: t.proposals.sum().cast("float64") / t.count().nullif(0), segments=WORK),
    Metric("contracts_started", "Contracts started in the period.", "count", "contracts",
           measure=lambda t: t.count(), segments=WORK, zero_when_empty=True),
    Metric("ai_contracts", "Contracts started in the period on AI-related jobs.", "count", "contracts",
           measure=lambda t: t.count(where=t.ai), segments=("category", "country", "skill"), zero_when_empty=True),
]

for _m in BUILTIN:
    register(_m)
