"""Small hand-written inputs shared by the ingestion tests."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.files import write_csv

PAY_HEADER = ["payment_id", "contract_id", "client_id", "freelancer_id", "paid_at", "amount", "client_fee",
              "freelancer_fee", "currency", "kind"]


def chain(d: Path) -> Path:
    """clients c1,c2 / freelancer f1 / jobs j1 (c1), j2 (c2) / contracts k1 (j1), k2 (j2)."""
    write_csv(d / "clients.csv", ["client_id", "signup_at", "country"],
              [["c1", "2023-01-01", "US"], ["c2", "2023-02-01", "DE"]])
    write_csv(d / "freelancers.csv", ["freelancer_id", "signup_at", "hourly_rate"], [["f1", "2022-05-01", "40"]])
    write_csv(d / "jobs.csv", ["job_id", "client_id", "posted_at", "title", "budget_type"],
              [["j1", "c1", "2023-03-01", "Build a RAG chatbot", "fixed"],
               ["j2", "c2", "2023-03-02", "Logo design", "hourly"]])
    write_csv(d / "contracts.csv", ["contract_id", "job_id", "client_id", "freelancer_id", "started_at",
                                    "contract_type"],
              [["k1", "j1", "c1", "f1", "2023-03-05", "fixed"], ["k2", "j2", "c2", "f1", "2023-03-06", "hourly"]])
    return d


def pay(pid: str, amount: str = "100.00", kind: str = "milestone", contract: str = "k1", client: str = "c1",
        paid_at: str = "2023-04-01", fee: str = "5.00", currency: str = "USD") -> list[str]:
    return [pid, contract, client, "f1", paid_at, amount, fee, "10.00", currency, kind]
