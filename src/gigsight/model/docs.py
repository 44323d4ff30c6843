"""Generate ``docs/schema.md`` from the schema objects, so the documentation cannot drift.

>>> "| payment_id | id | yes |" in schema_markdown()
True
"""

from __future__ import annotations

from gigsight.model.schema import REJECTS_COLUMNS, SCHEMA, Table


def _table_markdown(t: Table) -> list[str]:
    lines = [f"## {t.name}{' (optional)' if t.optional else ''}", "", t.doc, "",
             f"Key: `{', '.join(t.key)}`.", ""]
    lines += ["| column | kind | required | rule | description |", "|---|---|---|---|---|"]
    for c in t.columns:
        rule = []
        if c.choices:
            rule.append("one of " + ", ".join(c.choices))
        if c.max_length:
            rule.append(f"at most {c.max_length:,} characters")
        if c.minimum is not None:
            rule.append(f">= {c.minimum:g}")
        lines.append(f"| {c.name} | {c.kind.value} | {'yes' if c.required else 'no'} | {'; '.join(rule)} "
                     f"| {c.doc} |")
    for fk in t.foreign_keys:
        extra = [f"`{a}` equals the {fk.ref_table} row's `{b}`" for a, b in fk.same]
        extra += [f"`{a}` is not before the {fk.ref_table} row's `{b}`" for a, b in fk.not_before]
        lines.append(f"\n- `{fk.column}` must exist in `{fk.ref_table}`" + ("; " + "; ".join(extra) if extra else ""))
    for ch in t.checks:
        lines.append(f"- rule `{ch.name}`: {ch.message} unless `{ch.valid}`")
    return [*lines, ""]


def schema_markdown() -> str:
    """The canonical data model as Markdown (written to docs/schema.md by ``gigsight docs``)."""
    out = ["# gigsight canonical data model", "",
           "Generated from `src/gigsight/model/schema.py`; do not edit by hand.", "",
           "Money is DECIMAL(18,2) in the base currency; timestamps are stored in UTC (inputs with an offset are "
           "converted; inputs without one are read as UTC); currency codes are ISO 4217. Timestamps later than "
           "the moment of ingestion or before 1990 are rejected.", ""]
    for t in SCHEMA.values():
        out += _table_markdown(t)
    out += ["## rejects", "", "Rows that failed validation, one row per problem.", "",
            "| column | description |", "|---|---|"]
    out += [f"| {n} | {d} |" for n, d in REJECTS_COLUMNS]
    return "\n".join(out) + "\n"
