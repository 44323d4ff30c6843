"""The canonical data model: the one statement of every table, column, key and rule.

Ingestion, storage, export and the generated ``docs/schema.md`` all read these objects, so a rule is
written once. Cross-column rules are SQL predicates over the typed columns, evaluated by the
ingestion engine (DuckDB) before anything reaches the store.

>>> SCHEMA["payments"].key
('payment_id',)
>>> [c.name for c in SCHEMA["payments"].columns if c.kind is Kind.MONEY]
['amount', 'client_fee', 'freelancer_fee', 'original_amount']
>>> LOAD_ORDER[0], LOAD_ORDER[-1]
('clients', 'payments')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column is parsed from text and stored."""

    ID = "id"  # trimmed non-empty text, at most 128 characters
    TEXT = "text"
    MONEY = "money"  # DECIMAL(18,2): to the cent, in the base currency once stored (Column.scale says otherwise)
    TIMESTAMP = "timestamp"  # stored as UTC without zone; offsets in the input are converted
    CURRENCY = "currency"  # ISO 4217 code
    ENUM = "enum"
    INT = "int"
    BOOL = "bool"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    doc: str
    required: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    scale: int = 2  # money: decimals stored (3 for an amount as paid in a currency with thousandths, e.g. BHD)

    @property
    def sql_type(self) -> str:
        """The column's SQL type, the same in staging and in every store.

        >>> SCHEMA["payments"].column("amount").sql_type, SCHEMA["payments"].column("original_amount").sql_type
        ('DECIMAL(18,2)', 'DECIMAL(18,3)')
        """
        if self.kind is Kind.MONEY:
            return f"DECIMAL(18,{self.scale})"
        return _SQL_TYPES[self.kind]


_SQL_TYPES = {Kind.ID: "VARCHAR", Kind.TEXT: "VARCHAR", Kind.ENUM: "VARCHAR", Kind.CURRENCY: "VARCHAR",
              Kind.TIMESTAMP: "TIMESTAMP", Kind.INT: "BIGINT", Kind.BOOL: "BOOLEAN"}


@dataclass(frozen=True)
class Check:
    """A row rule: ``valid`` is a SQL predicate over typed columns that must not be false."""

    name: str
    valid: str
    column: str  # the column a failure is reported against
    message: str


@dataclass(frozen=True)
class ForeignKey:
    """``column`` must name an existing ``ref_table`` row; ``same`` pairs must agree with it;
    ``not_before`` pairs (ours, theirs) must satisfy ours >= theirs."""

    column: str
    ref_table: str
    same: tuple[tuple[str, str], ...] = ()
    not_before: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc: str
    time_column: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = field(default=())
    optional: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _id(name: str, doc: str, required: bool = True) -> Column:
    return Column(name, Kind.ID, doc, required=required, max_length=128)


def _ts(name: str, doc: str, required: bool = True) -> Column:
    return Column(name, Kind.TIMESTAMP, doc, required=required)


def _money(name: str, doc: str, required: bool = True, minimum: float | None = None, scale: int = 2) -> Column:
    return Column(name, Kind.MONEY, doc, required=required, minimum=minimum, maximum=1e12, scale=scale)


_COUNTRY = Column("country", Kind.TEXT, "Country (ISO 3166 alpha-2 preferred, free text accepted).",
                  required=False, max_length=64)
_CURRENCY = Column("currency", Kind.CURRENCY, "ISO 4217 code; converted to the base currency on ingest.")

CLIENTS = Table(
    "clients", ("client_id",), (
        _id("client_id", "Client account id."),
        _ts("signup_at", "When the client account was created (UTC)."),
        _COUNTRY,
        Column("company_size", Kind.INT, "Employees, when known.", required=False, minimum=0, maximum=10_000_000),
        Column("is_enterprise", Kind.BOOL, "Enterprise contract flag, when known.", required=False),
        Column("acquisition_channel", Kind.TEXT, "How the client came (organic, paid search, referral, sales, ...), "
               "when known: a covariate of client value forecasts.", required=False, max_length=64),
    ),
    "Companies and people who hire.", time_column="signup_at",
)

FREELANCERS = Table(
    "freelancers", ("freelancer_id",), (
        _id("freelancer_id", "Freelancer account id."),
        _ts("signup_at", "When the freelancer account was created (UTC)."),
        _COUNTRY,
        _money("hourly_rate", "Profile hourly rate in the base currency.", required=False, minimum=0),
        Column("title", Kind.TEXT, "Profile headline.", required=False, max_length=500),
        Column("profile", Kind.TEXT, "Profile text.", required=False, max_length=50_000),
    ),
    "People who do the work.", time_column="signup_at",
)

FREELANCER_SKILLS = Table(
    "freelancer_skills", ("freelancer_id", "skill"), (
        _id("freelancer_id", "Freelancer account id."),
        Column("skill", Kind.TEXT, "Raw skill string as the platform has it.", max_length=200),
    ),
    "Skills listed on freelancer profiles (raw; normalised by the enrich stage).",
    foreign_keys=(ForeignKey("freelancer_id", "freelancers"),),
)

JOBS = Table(
    "jobs", ("job_id",), (
        _id("job_id", "Job post id."),
        _id("client_id", "Client who posted it."),
        _ts("posted_at", "When the job was posted (UTC)."),
        Column("title", Kind.TEXT, "Job title.", max_length=500),
        Column("description", Kind.TEXT, "Job description.", required=False, max_length=100_000),
        Column("category", Kind.TEXT, "Top-level work category, when the platform has one.",
               required=False, max_length=200),
        Column("subcategory", Kind.TEXT, "Subcategory, when the platform has one.", required=False, max_length=200),
        Column("budget_type", Kind.ENUM, "Fixed price or hourly.", choices=("fixed", "hourly")),
        _money("budget_min", "Lowest budget or hourly rate offered.", required=False, minimum=0),
        _money("budget_max", "Highest budget or hourly rate offered.", required=False, minimum=0),
        Column("currency", Kind.CURRENCY, "ISO 4217 code of the budget.", required=False),
        Column("skills", Kind.TEXT, "Raw skill tags, '|' or ',' separated; may be empty.",
               required=False, max_length=5_000),
        Column("is_ai", Kind.BOOL, "AI-related flag supplied by the user (the enrich stage labels jobs too).",
               required=False),
    ),
    "Job posts.", time_column="posted_at",
    foreign_keys=(ForeignKey("client_id", "clients"),),
    checks=(Check("budget_order", "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
                  "budget_max", "budget_max is below budget_min"),),
)

PROPOSALS = Table(
    "proposals", ("proposal_id",), (
        _id("proposal_id", "Proposal id."),
        _id("job_id", "Job applied to."),
        _id("freelancer_id", "Freelancer who applied."),
        _ts("submitted_at", "When the proposal was sent (UTC)."),
        _money("bid_amount", "Bid (fixed price or hourly rate).", required=False, minimum=0),
    ),
    "Proposals (optional table).", time_column="submitted_at", optional=True,
    foreign_keys=(ForeignKey("job_id", "jobs", not_before=(("submitted_at", "posted_at"),)),
                  ForeignKey("freelancer_id", "freelancers")),
)

CONTRACTS = Table(
    "contracts", ("contract_id",), (
        _id("contract_id", "Contract id."),
        _id("job_id", "Job the contract fills."),
        _id("client_id", "Client; must be the job's client."),
        _id("freelancer_id", "Freelancer hired."),
        _ts("started_at", "Contract start (UTC)."),
        _ts("ended_at", "Contract end (UTC); empty while open.", required=False),
        Column("contract_type", Kind.ENUM, "Fixed price or hourly.", choices=("fixed", "hourly")),
        _money("rate", "Agreed fixed price or hourly rate.", required=False, minimum=0),
    ),
    "Contracts between a client and a freelancer.", time_column="started_at",
    foreign_keys=(ForeignKey("job_id", "jobs", same=(("client_id", "client_id"),),
                             not_before=(("started_at", "posted_at"),)),
                  ForeignKey("client_id", "clients"), ForeignKey("freelancer_id", "freelancers")),
    checks=(Check("end_after_start", "ended_at IS NULL OR ended_at >= started_at", "ended_at",
                  "ended_at is before started_at"),),
)

PAYMENTS = Table(
    "payments", ("payment_id",), (
        _id("payment_id", "Payment id."),
        _id("contract_id", "Contract paid."),
        _id("client_id", "Client who paid; must be the contract's client."),
        _id("freelancer_id", "Freelancer paid; must be the contract's freelancer."),
        _ts("paid_at", "When the payment settled (UTC); not before the contract started."),
        _money("amount", "Client spend in the base currency; refunds are negative."),
        _money("client_fee", "Fees charged to the client (marketplace and payment fees).", minimum=0),
        _money("freelancer_fee", "Service fee withheld from the freelancer.", minimum=0),
        _CURRENCY,
        Column("kind", Kind.ENUM, "Payment kind.", choices=("milestone", "hourly", "bonus", "refund")),
        Column("original_currency", Kind.CURRENCY, "Currency before conversion (set on ingest).", required=False),
        _money("original_amount", "Amount as paid, before conversion (set on ingest); to the thousandth in "
               "currencies that have them (BHD, KWD, ...).", required=False, scale=3),
    ),
    "Money moving from clients to freelancers: the base of GSV and revenue.", time_column="paid_at",
    foreign_keys=(ForeignKey("contract_id", "contracts",
                             same=(("client_id", "client_id"), ("freelancer_id", "freelancer_id")),
                             not_before=(("paid_at", "started_at"),)),),
    checks=(
        Check("refund_negative", "kind <> 'refund' OR amount < 0", "amount", "a refund must be negative"),
        Check("negative_only_refund", "kind = 'refund' OR amount >= 0", "amount",
              "negative amount on a payment that is not a refund (use kind 'refund')"),
    ),
)

SCHEMA: dict[str, Table] = {t.name: t for t in (CLIENTS, FREELANCERS, FREELANCER_SKILLS, JOBS, PROPOSALS,
                                                CONTRACTS, PAYMENTS)}
# Parents before children, so foreign keys of one ingest run resolve against rows of the same run.
LOAD_ORDER: tuple[str, ...] = tuple(SCHEMA)

REJECTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ingest_id", "Run that rejected the row."),
    ("table_name", "Canonical table the row was meant for."),
    ("source", "File path or source table it came from."),
    ("row_number", "1-based data row in the source (the header is not counted)."),
    ("column_name", "Column at fault, when one is."),
    ("value", "The offending value as read."),
    ("rule", "Rule broken (required, type, range, foreign_key, duplicate_key, ...)."),
    ("message", "What is wrong and what to try."),
    ("record", "The whole source row as JSON, so nothing is lost."),
    ("rejected_at", "When it was rejected (UTC)."),
)
