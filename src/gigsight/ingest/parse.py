"""Parse and validate one raw batch in one vectorised DuckDB query built from the schema.

Every column gets a typed expression and the issues it can raise; row rules and currency conversion
run on the typed values. The result has the canonical columns plus ``_row``, ``_issues`` (a list of
located problems, empty when the row is valid) and ``_record`` (the raw row as JSON when rejected).

>>> from gigsight.model.schema import SCHEMA
>>> sql = batch_sql(SCHEMA["clients"], {"client_id": "id", "signup_at": "signup"},
...                 {"id": "string", "signup": "string"}, ParseOptions())
>>> "TRY_CAST" in sql and "_issues" in sql
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from gigsight.errors import SourceError
from gigsight.model.currencies import ISO_4217
from gigsight.model.schema import Column, Kind, Table

ISSUE_TYPE = "STRUCT(column_name VARCHAR, value VARCHAR, rule VARCHAR, message VARCHAR)[]"
EARLIEST = "1990-01-01"
VALUE_CHARS = 1000  # a rejected value is cut here in the rejects table; _record keeps it whole

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_MONEY = {
    "en": (r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$", "replace({m}, ',', '')"),
    "de": (r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$", "replace(replace({m}, '.', ''), ',', '.')"),
}
_PLAIN_MONEY = r"-?\d{1,15}(\.\d{1,2})?"  # with {1,3} decimals in a currency that has thousandths
_AMBIGUOUS = r"^[+-]?[1-9]\d{0,2}[.,]\d{3}$"  # "0.005" is no thousands group: just too many decimals
_MONEY_HINT = {
    "en": "not an amount to the cent (e.g. 1500.00 or $1,500.00); a decimal comma needs money_locale: de",
    "de": "not an amount to the cent in the declared locale de (e.g. 1.500,00)",
}


@dataclass(frozen=True)
class ParseOptions:
    money_locale: str = "en"
    timestamp_formats: tuple[str, ...] = ()
    values: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # column -> (source value -> canonical)
    base_currency: str = "USD"
    now: datetime | None = None  # later timestamps are 'future'; fixed by the caller for one run


def lit(s: str) -> str:
    """A SQL string literal.

    >>> lit("it's")
    "'it''s'"
    """
    return "'" + s.replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def issue_sql(col: str, value: str, rule: str, message: str, message_sql: str | None = None,
              rule_sql: str | None = None) -> str:
    """A SQL struct literal for one issue; ``*_sql`` replace the rule or message by an expression."""
    return (f"{{'column_name': {lit(col)}, 'value': left({value}, {VALUE_CHARS}), 'rule': {rule_sql or lit(rule)}, "
            f"'message': {message_sql or lit(message)}}}")


Check = tuple[str, str]  # (SQL condition that flags a problem, SQL struct describing it)


def _when(cond: str, col: str, value: str, rule: str, message: str) -> Check:
    return cond, issue_sql(col, value, rule, message)


def issues_sql(checks: list[Check]) -> str:
    """The issue list of a row. The structs are only built for rows where some condition holds, so a
    clean row costs one boolean expression."""
    if not checks:
        return f"CAST([] AS {ISSUE_TYPE})"
    any_bad = " OR ".join(f"({c})" for c, _ in checks)
    each = ", ".join(f"CASE WHEN {c} THEN {i} END" for c, i in checks)
    return (f"CASE WHEN {any_bad} THEN CAST(list_filter([{each}], lambda x: x IS NOT NULL) AS {ISSUE_TYPE}) "
            f"ELSE CAST([] AS {ISSUE_TYPE}) END")


def _numeric(t: str) -> bool:
    return t.startswith(("int", "uint", "double", "float", "decimal", "halffloat"))


def _is_string(t: str) -> bool:
    return t in ("string", "large_string", "string_view", "null")


def raw_name(src: str) -> str:
    return ident("__raw_" + src)


def _decimal_scale(arrow_type: str) -> int | None:
    if not arrow_type.startswith("decimal"):
        return None
    return int(arrow_type.rstrip(")").rsplit(",", 1)[-1])


def _exact_money(arrow_type: str) -> bool:
    """A decimal type every value of which fits DECIMAL(18,2) unchanged (no cast can fail or round).

    >>> _exact_money("decimal128(18, 2)"), _exact_money("decimal128(38, 2)"), _exact_money("decimal128(10, 4)")
    (True, False, False)
    """
    if not arrow_type.startswith("decimal"):
        return False
    precision, scale = (int(x) for x in arrow_type.split("(", 1)[1].rstrip(")").split(","))
    return scale <= 2 and precision - scale <= 16


def carries_raw(c: Column, arrow_type: str) -> bool:
    """Whether parsing can lose the source value, so the raw one must travel for messages and records.

    Skipping the others halves the bytes the parse query moves on a typical payments file.
    """
    if c.kind in (Kind.ID, Kind.TEXT):
        return False
    if c.kind is Kind.MONEY and _exact_money(arrow_type):
        return False
    return _is_string(arrow_type) or c.kind not in (Kind.TIMESTAMP, Kind.BOOL)


def _column_sql(c: Column, src: str, arrow_type: str, opt: ParseOptions,
                currency: tuple[str, str] | None = None) -> tuple[str, list[Check]]:
    """(typed expression over the source column, checks over the typed column ``T`` and raw ``R``)."""
    s_text = f"CAST({ident(src)} AS VARCHAR)"
    s_v = f"NULLIF(TRIM({s_text}), '')"
    T = ident(c.name)
    R = raw_name(src) if carries_raw(c, arrow_type) else T
    text = f"CAST({R} AS VARCHAR)"
    v = T if c.kind is Kind.ID else f"NULLIF(TRIM({text}), '')"  # an id's typed value is already trimmed
    checks: list[Check] = []
    if c.kind is Kind.ID:
        typed = s_v
    elif c.kind is Kind.TEXT:
        typed = f"NULLIF({s_text}, '')"
    elif c.kind is Kind.ENUM:
        mapped = dict(next((m for col, m in opt.values if col == c.name), ()))
        cases = " ".join(f"WHEN {lit(k.lower())} THEN {lit(val)}" for k, val in mapped.items())
        low = f"lower({s_v})"
        norm = f"(CASE {low} {cases} ELSE {low} END)" if cases else low
        typed = f"CASE WHEN {norm} IN ({', '.join(lit(x) for x in c.choices)}) THEN {norm} END"
        checks.append(_when(f"{v} IS NOT NULL AND {T} IS NULL", c.name, text, "choice",
                            f"must be one of {', '.join(c.choices)}"))
    elif c.kind is Kind.CURRENCY:
        codes = ", ".join(lit(x) for x in sorted(ISO_4217))
        typed = f"CASE WHEN upper({s_v}) IN ({codes}) THEN upper({s_v}) END"
        checks.append(_when(f"{v} IS NOT NULL AND {T} IS NULL", c.name, text, "currency",
                            "not an ISO 4217 currency code (e.g. USD, EUR)"))
    elif c.kind is Kind.INT:
        # digits only: DuckDB's cast would read "10.5" as 11 and "0x10" as 16, a value silently changed
        typed = (f"CASE WHEN regexp_full_match({s_v}, '[+-]?[0-9]+') THEN TRY_CAST({s_v} AS BIGINT) END"
                 if _is_string(arrow_type) else
                 f"CASE WHEN {ident(src)} = trunc({ident(src)}) THEN TRY_CAST({ident(src)} AS BIGINT) END")
        checks.append(_when(f"{v} IS NOT NULL AND {T} IS NULL", c.name, text, "type", "not a whole number"))
    elif c.kind is Kind.BOOL:
        t_, f_ = ", ".join(map(lit, _TRUE)), ", ".join(map(lit, _FALSE))
        typed = f"CASE WHEN lower({s_v}) IN ({t_}) THEN TRUE WHEN lower({s_v}) IN ({f_}) THEN FALSE END"
        checks.append(_when(f"{v} IS NOT NULL AND {T} IS NULL", c.name, text, "type",
                            "not a yes/no value (true/false, yes/no, 1/0)"))
    elif c.kind is Kind.MONEY:
        typed = (_paid_money_sql(c, ident(src), s_v, arrow_type, opt, currency[1]) if currency else
                 _money_sql(c, ident(src), s_v, arrow_type, opt.money_locale))
        checks += _money_checks(c, R, v, T, text, arrow_type, opt.money_locale, currency and currency[0])
    elif c.kind is Kind.TIMESTAMP:
        typed = _timestamp_sql(c, ident(src), s_v, arrow_type, opt)
        checks += _timestamp_checks(c, v, T, text, opt)
    else:  # pragma: no cover - every Kind is handled above
        raise AssertionError(c.kind)
    if c.required:
        checks.insert(0, _when(f"{v} IS NULL", c.name, text, "required", "a value is required"))
    if c.max_length:
        checks.append(_when(f"length({T}) > {c.max_length}", c.name, text, "too_long",
                            f"longer than {c.max_length:,} characters"))
    if c.minimum is not None or c.maximum is not None:
        lo = "-1e18" if c.minimum is None else f"{c.minimum:g}"
        hi = "1e18" if c.maximum is None else f"{c.maximum:g}"
        checks.append((f"{T} NOT BETWEEN {lo} AND {hi}",
                       issue_sql(c.name, text, "range", "", message_sql=f"CASE WHEN {T} < {lo} THEN "
                                 f"{lit(f'below the minimum {lo}')} ELSE {lit(f'above the maximum {hi}')} END")))
    return typed, checks


def _money_sql(c: Column, raw: str, v: str, arrow_type: str, locale: str, scale: int = 2) -> str:
    typ = f"DECIMAL(18,{scale})"
    if (_decimal_scale(arrow_type) or 9) <= scale:
        return f"TRY_CAST({raw} AS {typ})"
    if _numeric(arrow_type):
        # Binary floats carry noise below the cent; anything beyond that is a real fraction of a cent.
        return f"CASE WHEN abs({raw} - round({raw}, {scale})) < 1e-6 THEN TRY_CAST(round({raw}, {scale}) AS {typ}) END"
    if not _is_string(arrow_type):
        raise SourceError(f"column for {c.name} holds {arrow_type} values where an amount is expected")
    pattern, to_plain = _MONEY[locale]
    plain, pattern = (_PLAIN_MONEY, pattern) if scale == 2 else (_PLAIN_MONEY.replace("{1,2}", f"{{1,{scale}}}"),
                                                                   pattern.replace("{1,2}", f"{{1,{scale}}}"))
    m = _money_text(v)
    # Most values are plain ("1500.00"): one cheap match, and the full clean-up only for the rest.
    return (f"CASE WHEN regexp_full_match({v}, {lit(plain)}) THEN TRY_CAST({v} AS {typ}) "
            f"WHEN regexp_matches({m}, {lit(pattern)}) THEN TRY_CAST({to_plain.format(m=m)} AS {typ}) END")


def _paid_money_sql(c: Column, raw: str, v: str, arrow_type: str, opt: ParseOptions, currency_src: str) -> str:
    """An amount in the row's currency, as DECIMAL(18,3): to the thousandth where that currency has them (1.005
    BHD is converted on ingest, and kept as paid in original_amount), to the cent everywhere else."""
    code = f"upper(TRIM(CAST({ident(currency_src)} AS VARCHAR)))"
    thousandths = ", ".join(lit(x) for x in THREE_DECIMALS if x != opt.base_currency)
    cents = _money_sql(c, raw, v, arrow_type, opt.money_locale)
    return (f"CASE WHEN {code} IN ({thousandths}) THEN {_money_sql(c, raw, v, arrow_type, opt.money_locale, 3)} "
            f"ELSE TRY_CAST({cents} AS DECIMAL(18,3)) END")


def _money_text(v: str) -> str:
    # Accounting negatives "(12.00)", currency symbols and codes around the number are accepted.
    # Two signs ("+-100", "(-12)") are not collapsed into one: the value is rejected, never guessed.
    # One currency marker, before or after the number: "100USDEUR" keeps a marker and is rejected; whether the
    # marker agrees with the row's currency is a check of its own (_marker_checks).
    bare = f"regexp_replace(regexp_replace({v}, '^\\((.*)\\)$', '-\\1'), '\\s', '', 'g')"
    return f"regexp_replace({bare}, '^([+-]?)(?:{_MARKERS})|(?:{_MARKERS})$', '\\1', 'g')"


_MARKERS = "[$€£¥]|USD|EUR|GBP"
_DOLLARS = ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD")


def _marker_checks(table: Table, found: dict[str, str], carried: list[str]) -> list[Check]:
    """A currency written in an amount ("€100") must be the row's currency: "€100" in a USD row is rejected,
    not stored as 100 dollars."""
    out: list[Check] = []
    for c in table.columns:
        src = found.get(c.name)
        cur = "original_currency" if c.name.startswith("original_") else "currency"
        if c.kind is not Kind.MONEY or src not in carried or cur not in found:
            continue
        r = f"CAST({raw_name(src)} AS VARCHAR)"
        m = (f"(CASE WHEN regexp_matches({r}, '€|EUR') THEN 'EUR' WHEN regexp_matches({r}, '£|GBP') THEN 'GBP' "
             f"WHEN contains({r}, '¥') THEN '¥' WHEN contains({r}, 'USD') THEN 'USD' WHEN contains({r}, '$') "
             f"THEN '$' END)")
        agrees = (f"({m} = {cur} OR ({m} = '$' AND {cur} IN ({', '.join(map(lit, _DOLLARS))})) "
                  f"OR ({m} = '¥' AND {cur} IN ('JPY', 'CNY')))")
        out.append(_when(f"{m} IS NOT NULL AND {cur} IS NOT NULL AND NOT {agrees}", c.name, r, "currency_mismatch",
                         f"the amount names another currency than the row's {cur}"))
    return out


# ISO 4217 currencies with three minor units: "1.005" is a real amount there, not a thousands group
THREE_DECIMALS = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")


def _money_checks(c: Column, R: str, v: str, T: str, text: str, arrow_type: str, locale: str,
                  currency: str | None = None) -> list[Check]:
    if not _is_string(arrow_type):
        return [_when(f"{R} IS NOT NULL AND {T} IS NULL", c.name, text, "money",
                      "not an amount to the cent (more than two decimals, or too large)")]
    m = _money_text(v)
    cur = ident(currency) if currency else "NULL"
    three = (f"COALESCE({cur} IN ({', '.join(map(lit, THREE_DECIMALS))}) "
             f"AND regexp_matches({m}, '^[+-]?[0-9,]*[.][0-9]{{3}}$'), FALSE)")
    ambiguous = f"regexp_matches({m}, {lit(_AMBIGUOUS)})"
    return [
        _when(f"{v} IS NOT NULL AND {T} IS NULL AND {three}", c.name, text, "money_minor_units",
              "an amount in thousandths in the base currency: gigsight keeps base-currency amounts to the cent; "
              "set a two-decimal base currency (GIGSIGHT_BASE_CURRENCY) and pass --rates"),
        _when(f"{v} IS NOT NULL AND {T} IS NULL AND {ambiguous} AND NOT {three}", c.name, text, "money_ambiguous",
              "ambiguous: the separator could mean thousands or decimals; declare money_locale"),
        _when(f"{v} IS NOT NULL AND {T} IS NULL AND NOT {ambiguous} AND NOT {three}", c.name, text, "money",
              _MONEY_HINT[locale]),
    ]


def _timestamp_sql(c: Column, raw: str, v: str, arrow_type: str, opt: ParseOptions) -> str:
    if arrow_type.startswith("timestamp"):
        return f"timezone('UTC', {raw})" if "tz=" in arrow_type else f"CAST({raw} AS TIMESTAMP)"
    if arrow_type.startswith("date"):
        return f"CAST({raw} AS TIMESTAMP)"
    if not _is_string(arrow_type):
        raise SourceError(f"column for {c.name} holds {arrow_type} values where a timestamp is expected")
    return timestamp_text_sql(v, opt.timestamp_formats)


def timestamp_text_sql(v: str, formats: tuple[str, ...] = ()) -> str:
    """SQL reading the text expression ``v`` as a UTC timestamp, as ingest reads timestamps (NULL when it is none).

    >>> import duckdb
    >>> duckdb.sql("SET TimeZone = 'UTC'")
    >>> [duckdb.sql(f"SELECT CAST({timestamp_text_sql(lit(t))} AS VARCHAR)").fetchone()[0]
    ...  for t in ("1997-01-02T03:04:05+02:00", "19970102", "19971340", "02/01/1997")]
    ['1997-01-02 01:04:05', '1997-01-02 00:00:00', None, None]
    """
    # DuckDB's cast takes ISO 8601's extended form (a date, a time, an offset or zone name) and applies the
    # offset; its basic form of a date (19970101, as retail panels write it) is read here, the digits only
    iso = (f"COALESCE(timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ)), CASE WHEN regexp_full_match({v}, '[0-9]{{8}}') "
           f"THEN try_strptime({v}, '%Y%m%d') END)")
    fmts = ", ".join(lit(f) for f in formats)
    return f"COALESCE({iso}, try_strptime({v}, [{fmts}]))" if fmts else iso


def _timestamp_checks(c: Column, v: str, T: str, text: str, opt: ParseOptions) -> list[Check]:
    now = (opt.now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    hint = "not a timestamp: use ISO 8601 (2025-07-01, 2025-07-01T10:00:00Z)"
    hint += f" or one of the mapping's formats {', '.join(opt.timestamp_formats)}" if opt.timestamp_formats else \
        " or declare timestamp_formats in the mapping"
    future = f"{T} > TIMESTAMP {lit(now)}"
    return [
        _when(f"{v} IS NOT NULL AND {T} IS NULL", c.name, text, "type", hint),
        (f"{T} NOT BETWEEN TIMESTAMP {lit(EARLIEST)} AND TIMESTAMP {lit(now)}",
         issue_sql(c.name, text, "", "", rule_sql=f"CASE WHEN {future} THEN 'future' ELSE 'range' END",
                   message_sql=f"CASE WHEN {future} THEN 'in the future (after this ingest ran)' "
                               f"ELSE 'before {EARLIEST}' END")),
    ]


def _currency_of(c: Column) -> str:
    return "original_currency" if c.name.startswith("original_") else "currency"


def _shown(column: str, paid: bool) -> str:
    """A typed value as text for a message; an amount read to the thousandth shows cents when it has no more."""
    v = ident(column)
    if not paid:
        return f"CAST({v} AS VARCHAR)"
    return (f"CASE WHEN {v} = round({v}, 2) THEN CAST(CAST({v} AS DECIMAL(18,2)) AS VARCHAR) "
            f"ELSE CAST({v} AS VARCHAR) END")


def batch_sql(table: Table, found: dict[str, str], arrow_types: dict[str, str], opt: ParseOptions,
              relation: str = "batch", fx: str | None = None) -> str:
    """The whole parse + validate query for one batch held in ``relation``.

    Three layers: typed values (and the raw ones, kept for messages); every check over them; then
    currency conversion and, for rejected rows only, the raw record as JSON. ``found`` maps canonical
    to source columns; ``fx`` names a (currency, rate) table.
    """
    typed_cols, checks = [], []
    for c in table.columns:
        src = found.get(c.name)
        if src is None:
            typed_cols.append(f"CAST(NULL AS {c.sql_type}) AS {ident(c.name)}")
            continue
        cur = _currency_of(c)
        in_currency = (cur, found[cur]) if c.kind is Kind.MONEY and cur in found else None
        expr, col_checks = _column_sql(c, src, arrow_types[src], opt, in_currency)
        typed_cols.append(f"CAST({expr} AS {'DECIMAL(18,3)' if in_currency else c.sql_type}) AS {ident(c.name)}")
        checks += col_checks
    carried = sorted({src for name, src in found.items() if carries_raw(table.column(name), arrow_types[src])})
    raw_cols = [f"{ident(s)} AS {raw_name(s)}" for s in carried]
    typed = f"SELECT _row, {', '.join(typed_cols + raw_cols)} FROM {relation}"
    paid = {c.name for c in table.columns if c.kind is Kind.MONEY and _currency_of(c) in found}
    checks += [_when(f"NOT ({ch.valid})", ch.column, _shown(ch.column, ch.column in paid), ch.name, ch.message)
               for ch in table.checks]
    checks += _marker_checks(table, found, carried)
    converting = fx is not None and "currency" in table.names
    if converting:
        checks.append(_when(f"p.currency IS NOT NULL AND p.currency <> {lit(opt.base_currency)} AND fx.rate IS NULL",
                            "currency", "p.currency", "currency",
                            f"no exchange rate to {opt.base_currency}: pass --rates FILE with columns currency,rate"))
    checked = (f"SELECT p.*, {issues_sql(checks)} AS _issues" + (", fx.rate AS __rate" if converting else "")
               + " FROM typed p" + (f" LEFT JOIN {fx} fx ON fx.fx_currency = p.currency" if converting else ""))
    money = [c.name for c in table.columns if c.kind is Kind.MONEY and not c.name.startswith("original_")]
    out = []
    for c in table.columns:
        name = ident(c.name)
        if converting and c.name in money:
            out.append(f"CAST(CASE WHEN __rate IS NULL THEN {name} ELSE round({name} * __rate, 2) END "
                       f"AS DECIMAL(18,2)) AS {name}")
        elif converting and c.name == "currency":
            out.append(f"CASE WHEN __rate IS NULL THEN currency ELSE {lit(opt.base_currency)} END AS currency")
        elif converting and c.name == "original_currency":
            out.append("CASE WHEN __rate IS NULL THEN original_currency ELSE currency END AS original_currency")
        elif converting and c.name == "original_amount":
            out.append("CASE WHEN __rate IS NULL THEN original_amount ELSE amount END AS original_amount")
        else:
            out.append(name)
    by_source = {src: name for name, src in found.items()}
    def kept(s: str) -> str:  # a source value as the rejected row's record keeps it
        if s in carried:
            return raw_name(s)
        return _shown(by_source[s], True) if by_source[s] in paid else ident(by_source[s])

    record = ", ".join(f"{lit(s)}: {kept(s)}" for s in sorted(by_source))
    return (f"WITH typed AS ({typed}), checked AS ({checked}) "
            f"SELECT {', '.join(out)}, _row, _issues, "
            f"CASE WHEN len(_issues) > 0 THEN CAST(to_json({{{record}}}) AS VARCHAR) END AS _record "
            f"FROM checked")
