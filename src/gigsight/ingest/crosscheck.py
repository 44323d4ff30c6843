"""Checks that need more than one row: duplicate keys within a run, and foreign keys against the
rows of this run and of the store. Each is a pure step over staged tables: (stage, table) -> issues added.

A parent row rejected earlier in the run does not satisfy its children, so tables are checked in
load order and rejections cascade (a payment for a rejected contract is rejected, and says so).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from gigsight.ingest.parse import ident, issue_sql, lit
from gigsight.model.schema import SCHEMA, ForeignKey

Exposer = Callable[[str, list[str]], str]  # (store table, columns) -> relation name in the stage


def staged(table: str) -> str:
    return f"stg_{table}"


def valid(table: str) -> str:
    return f"(SELECT * FROM {staged(table)} WHERE len(_issues) = 0)"


def _append(stage: duckdb.DuckDBPyConnection, table: str, failures: str) -> None:
    """Append the issue lists produced by ``failures`` (columns _source, _row, _new) to staged rows."""
    stage.execute(
        f"UPDATE {staged(table)} t SET _issues = list_concat(t._issues, f._new) FROM ({failures}) f "
        f"WHERE t._source = f._source AND t._row = f._row AND len(f._new) > 0"
    )


def duplicate_keys(stage: duckdb.DuckDBPyConnection, table: str, in_run: set[str], expose: Exposer) -> None:
    """Later rows repeating a key already seen in this run are rejected, naming the first row."""
    key = ", ".join(ident(k) for k in SCHEMA[table].key)
    shown = " || '/' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in SCHEMA[table].key)
    issue = issue_sql(SCHEMA[table].key[-1], shown, "duplicate_key", "",
                      "'duplicate key in this input; the first occurrence (row ' || first_row || ') is kept'")
    _append(stage, table, f"""
        SELECT _source, _row, [{issue}] AS _new
        FROM (SELECT _source, _row, {key},
                     row_number() OVER (PARTITION BY {key} ORDER BY _source, _row) AS rn,
                     first_value(_row) OVER (PARTITION BY {key} ORDER BY _source, _row) AS first_row
              FROM {valid(table)}) WHERE rn > 1""")


def _reference(ref: str, fk_cols: list[str], in_run: set[str], expose: Exposer) -> str:
    """Rows of ``ref`` visible to children: valid rows of this run, then store rows not replaced by them."""
    cols = ", ".join(ident(c) for c in fk_cols)
    key = SCHEMA[ref].key[0]
    store_rel = expose(ref, fk_cols)
    if ref not in in_run:
        return f"(SELECT {cols} FROM {store_rel})"
    return (f"(SELECT {cols} FROM {valid(ref)} UNION ALL SELECT {cols} FROM {store_rel} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {valid(ref)} r WHERE r.{ident(key)} = s.{ident(key)}))")


def foreign_key(stage: duckdb.DuckDBPyConnection, table: str, fk: ForeignKey, in_run: set[str],
                expose: Exposer) -> None:
    """Reject rows whose reference is missing, disagrees on a shared column, or comes later in time."""
    ref_key = SCHEMA[fk.ref_table].key[0]
    theirs = [ref_key, *(b for _, b in fk.same), *(b for _, b in fk.not_before)]
    ref = _reference(fk.ref_table, list(dict.fromkeys(theirs)), in_run, expose)
    col = ident(fk.column)
    checks = [f"CASE WHEN r.{ident(ref_key)} IS NULL THEN "
              + issue_sql(fk.column, f"t.{col}", "foreign_key",
                       f"not found in {fk.ref_table} (neither in this input nor in the store)") + " END"]
    for ours, other in fk.same:
        checks.append(
            f"CASE WHEN r.{ident(ref_key)} IS NOT NULL AND t.{ident(ours)} IS DISTINCT FROM r.{ident(other)} THEN "
            + issue_sql(ours, f"t.{ident(ours)}", "mismatch", "",
                        f"{lit(f'differs from the {fk.ref_table} row' + chr(39) + f's {other} (')} "
                        f"|| COALESCE(r.{ident(other)}, 'empty') || ')'")
            + " END")
    for ours, other in fk.not_before:
        checks.append(
            f"CASE WHEN t.{ident(ours)} < r.{ident(other)} THEN "
            + issue_sql(ours, f"CAST(t.{ident(ours)} AS VARCHAR)", "order", "",
                        f"{lit(f'is before the {fk.ref_table} row' + chr(39) + f's {other} (')} "
                        f"|| CAST(r.{ident(other)} AS VARCHAR) || ')'")
            + " END")
    _append(stage, table, f"""
        SELECT t._source, t._row, list_filter([{', '.join(checks)}], lambda x: x IS NOT NULL) AS _new
        FROM {valid(table)} t LEFT JOIN {ref} r ON t.{col} = r.{ident(ref_key)}
        WHERE t.{col} IS NOT NULL""")


def refunds_beyond_paid(stage: duckdb.DuckDBPyConnection, expose: Exposer) -> list[str]:
    """Contracts whose payments total below zero once this run lands (its valid rows and the store's rows they
    do not replace), as a warning: such a refund is kept, since an export that starts after a contract's first
    payments holds exactly this, but the GSV it lowers must not go unmentioned.

    Returns the warning lines (none when every contract totals zero or more)."""
    if not stage.sql(f"SELECT 1 FROM {valid('payments')} WHERE amount < 0 LIMIT 1").fetchone():
        return []
    store_rel = expose("payments", ["payment_id", "contract_id", "amount"])
    # the store's rows are narrowed to the refunded contracts before the anti join: NOT EXISTS over every stored
    # payment took 8 s at 44M rows for one day's load
    rows = stage.sql(f"""
        WITH refunded AS (SELECT DISTINCT contract_id FROM {valid('payments')} WHERE amount < 0)
        SELECT contract_id, sum(amount) AS total FROM (
            SELECT contract_id, amount FROM {valid('payments')} WHERE contract_id IN (SELECT * FROM refunded)
            UNION ALL
            SELECT s.contract_id, s.amount FROM {store_rel} s SEMI JOIN refunded f ON s.contract_id = f.contract_id
            ANTI JOIN {valid('payments')} r ON r.payment_id = s.payment_id)
        GROUP BY contract_id HAVING sum(amount) < 0 ORDER BY total""").fetchall()
    if not rows:
        return []
    shown = ", ".join(f"{c} ({t})" for c, t in rows[:5])
    return [f"refunds exceed what {len(rows):,} contract(s) paid, so their payments total below zero: {shown}"
            f"{' ...' if len(rows) > 5 else ''}; kept (their earlier payments may predate this data): load those "
            f"payments, or check the refunds"]


def check_run(stage: duckdb.DuckDBPyConnection, tables: list[str], expose: Exposer) -> list[str]:
    """Run every multi-row check on the staged tables of one run, parents first; returns warnings for the
    payments (see :func:`refunds_beyond_paid`)."""
    in_run = set(tables)
    for table in [t for t in SCHEMA if t in in_run]:
        duplicate_keys(stage, table, in_run, expose)
        for fk in SCHEMA[table].foreign_keys:
            foreign_key(stage, table, fk, in_run, expose)
    return refunds_beyond_paid(stage, expose) if "payments" in in_run else []
