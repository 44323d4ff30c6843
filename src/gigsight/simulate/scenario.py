"""Scenarios are data: a YAML file with the planned path, the behaviour and the targets checked against the records.

A scenario may ``extends:`` another and override parts of it (mappings merge key by key). Loading validates
every field and says which one is wrong; a target that contradicts the plan it is meant to check is refused.

>>> s = load_scenario("seed-q3")
>>> s.name, s.start, s.end, s.anchor
('seed-q3', '2022-01', '2025-12', 'Q3')
>>> [t.metric for t in s.targets][:2]
['gsv', 'gsv']
>>> sorted(known_scenarios())
['ai-boom', 'public-marketplace-2019-2025', 'seed-q3', 'steady']
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from gigsight.errors import ConfigError, did_you_mean

ANCHORS = ("Q1", "Q2", "Q3", "Q4", "year")
PLAN_LEVELS = ("gsv", "active_clients")
PLAN_GROWTH = ("new_client_value_growth", "ai_jobs_growth")
# Planned series each target metric is checked against (level or growth).
PLANNED = {"gsv": "gsv", "active_clients": "active_clients", "gsv_per_new_client": "new_client_value_growth",
           "ai_jobs": "ai_jobs_growth"}
SEGMENT_FIELDS = ("share", "monthly_spend", "spread", "churn", "slots")


@dataclass(frozen=True)
class Target:
    """One checked figure: ``value`` (relative tolerance), ``yoy`` (tolerance in fraction points),
    ``direction: up|down`` or ``top_skills`` (each among the ``within`` most demanded AI skills)."""

    metric: str
    period: str
    value: float | None = None
    yoy: float | None = None
    tolerance: float | None = None
    direction: str | None = None
    top_skills: tuple[str, ...] = ()
    within: int = 10

    @property
    def kind(self) -> str:
        return ("value" if self.value is not None else "yoy" if self.yoy is not None
                else "direction" if self.direction else "top_skills")


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    start: str                      # first month of records, "YYYY-MM"
    end: str                        # last month of records
    burn_in_months: int
    anchor: str                     # the period of each year the plan describes: Q1..Q4 or year
    plan: dict[str, Any]
    behaviour: dict[str, Any]
    targets: tuple[Target, ...]
    source: str

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.plan["gsv"])

    def anchor_period(self, year: int) -> str:
        return str(year) if self.anchor == "year" else f"{year}{self.anchor}"


def _builtin_dir() -> Path:
    return Path(str(resources.files("gigsight.simulate") / "scenarios"))


def known_scenarios() -> list[str]:
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        # Plan series and targets replace whole; behaviour mappings merge key by key.
        if k in ("plan", "targets") or not (isinstance(v, dict) and isinstance(out.get(k), dict)):
            out[k] = v
        else:
            out[k] = _merge(out[k], v)
    return out


def _read(name_or_path: str | Path, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        path = p
    else:
        path = _builtin_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(did_you_mean(str(name_or_path), known_scenarios(), "scenario"))
    if str(path) in seen:
        raise ConfigError(f"{path}: 'extends' loops back on itself ({' -> '.join(seen)})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"scenario file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read scenario file {path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a scenario is a mapping of fields (name, plan, behaviour, targets)")
    if "extends" in raw:
        base, _ = _read(str(raw.pop("extends")), (*seen, str(path)))
        base.pop("name", None)
        raw = _merge(base, raw)
    return raw, str(path)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario YAML file by path (validated; see the module docstring)."""
    raw, source = _read(name_or_path)
    where = f"scenario {source}"

    def need(mapping: dict[str, Any], key: str, label: str) -> Any:
        if key not in mapping or mapping[key] is None:
            raise ConfigError(f"{where}: missing field '{label}'")
        return mapping[key]

    month = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
    for key in ("start", "end"):
        if not month.match(str(need(raw, key, key))):
            raise ConfigError(f"{where}: field '{key}' must be a month like 2022-01, got {raw[key]!r}")
    start, end = str(raw["start"]), str(raw["end"])
    if end < start:
        raise ConfigError(f"{where}: 'end' {end} is before 'start' {start}")
    anchor = str(need(raw, "anchor", "anchor"))
    if anchor not in ANCHORS:
        raise ConfigError(f"{where}: field 'anchor' must be one of {', '.join(ANCHORS)}, got {anchor!r}")
    plan = need(raw, "plan", "plan")
    _check_plan(plan, where, int(start[:4]), int(end[:4]))
    behaviour = need(raw, "behaviour", "behaviour")
    for seg, spec in need(behaviour, "segments", "behaviour.segments").items():
        for f in SEGMENT_FIELDS:
            v = need(spec, f, f"behaviour.segments.{seg}.{f}")
            if not isinstance(v, (int, float)) or v < 0 or (f == "churn" and not 0 < v < 1):
                raise ConfigError(f"{where}: field 'behaviour.segments.{seg}.{f}' is out of range: {v!r}")
    targets = tuple(_target(t, i, where) for i, t in enumerate(need(raw, "targets", "targets")))
    s = Scenario(str(need(raw, "name", "name")), str(raw.get("description", "")), start, end,
                 int(raw.get("burn_in_months", 24)), anchor, plan, behaviour, targets, source)
    for i, t in enumerate(targets):
        _check_target(s, t, f"{where}: targets[{i}] ({t.metric} {t.period})")
    return s


def _check_plan(plan: dict[str, Any], where: str, first: int, last: int) -> None:
    for key in (*PLAN_LEVELS, *PLAN_GROWTH):
        series = plan.get(key)
        if not isinstance(series, dict) or not series:
            raise ConfigError(f"{where}: missing field 'plan.{key}' (a mapping of year to value)")
        for year, v in series.items():
            if not isinstance(year, int) or not first <= year <= last:
                raise ConfigError(f"{where}: field 'plan.{key}' has year {year!r} outside {first}-{last}")
            if not isinstance(v, (int, float)) or not math.isfinite(v) or (key in PLAN_LEVELS and v <= 0) or v <= -1:
                raise ConfigError(f"{where}: field 'plan.{key}.{year}' is out of range: {v!r}")
    years = sorted(plan["gsv"])
    if sorted(plan["active_clients"]) != years:
        raise ConfigError(f"{where}: 'plan.active_clients' must give the same years as 'plan.gsv' ({years})")
    for key in PLAN_GROWTH:
        if sorted(plan[key]) != years[1:]:
            raise ConfigError(f"{where}: 'plan.{key}' must give every year after the first ({years[1:]})")
    share = plan.get("ai_job_share")
    if not isinstance(share, (int, float)) or not 0 < share < 1:
        raise ConfigError(f"{where}: field 'plan.ai_job_share' must be a share between 0 and 1, got {share!r}")


def _target(raw: Any, i: int, where: str) -> Target:
    label = f"{where}: targets[{i}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{label} must be a mapping with metric, period and value/yoy/direction/top_skills")
    from gigsight.metrics.registry import REGISTRY

    for f in ("metric", "period"):
        if f not in raw:
            raise ConfigError(f"{label}: missing field '{f}'")
    metric = str(raw["metric"])
    if metric not in REGISTRY:
        raise ConfigError(f"{label}: {did_you_mean(metric, REGISTRY, 'metric')}")
    kinds = [k for k in ("value", "yoy", "direction", "top_skills") if k in raw]
    if len(kinds) != 1:
        raise ConfigError(f"{label}: give exactly one of value, yoy, direction, top_skills (got {kinds or 'none'})")
    if kinds[0] in ("value", "yoy") and not isinstance(raw.get("tolerance"), (int, float)):
        raise ConfigError(f"{label}: missing field 'tolerance' for a {kinds[0]} target")
    if kinds[0] == "direction" and raw["direction"] not in ("up", "down"):
        raise ConfigError(f"{label}: field 'direction' must be up or down, got {raw['direction']!r}")
    return Target(metric, str(raw["period"]), raw.get("value"), raw.get("yoy"), raw.get("tolerance"),
                  raw.get("direction"), tuple(str(x) for x in raw.get("top_skills", ())), int(raw.get("within", 10)))


def _check_target(s: Scenario, t: Target, label: str) -> None:
    """A target must fall inside the records and agree with the plan it checks (else it can never pass)."""
    m = re.match(r"^(\d{4})(Q[1-4])?$", t.period)
    if not m:
        raise ConfigError(f"{label}: period must look like 2025Q3 or 2025, got {t.period!r}")
    year = int(m.group(1))
    if not int(s.start[:4]) <= year <= int(s.end[:4]):
        raise ConfigError(f"{label}: period is outside the scenario's records ({s.start} to {s.end})")
    series = PLANNED.get(t.metric)
    if series is None or t.period != s.anchor_period(year) or t.tolerance is None:
        return
    plan = s.plan[series]
    if t.value is not None and series in PLAN_LEVELS and year in plan:
        planned = float(plan[year])
        if abs(t.value / planned - 1) > t.tolerance:
            raise ConfigError(f"{label}: contradictory target: value {t.value:,.0f} but plan.{series} gives "
                              f"{planned:,.0f} for {year}")
    if t.yoy is not None and year in plan and (year - 1) in s.plan["gsv"]:
        planned = float(plan[year]) if series in PLAN_GROWTH else float(plan[year]) / float(plan[year - 1]) - 1
        if abs(t.yoy - planned) > t.tolerance:
            raise ConfigError(f"{label}: contradictory target: yoy {t.yoy:+.2%} but plan.{series} gives "
                              f"{planned:+.2%} for {year}")


__all__ = ["Scenario", "Target", "known_scenarios", "load_scenario"]
