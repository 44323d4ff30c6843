"""Skills to promote, to learn and emerging/declining, scored against growth and scarcity the simulator plants:
Legal work's share grows 80% a year, ordinary software work's shrinks 35% a year, and Engineering & Architecture
has a small fraction of the freelancers its demand calls for (every other category is supplied in proportion to
its jobs). Nothing here is told which skills were planted; the tests read the rankings the records produce."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import gigsight
from gigsight.backends.base import Store
from gigsight.errors import ConfigError
from gigsight.insights import emerging, learn, promote, trends
from gigsight.insights.skill_demand import movers
from gigsight.simulate.text import grammar

PLANTED = """
name: planted-skills
extends: steady
behaviour:
  category_growth: {Legal: 0.8, "Web, Mobile & Software Dev": -0.35}
  freelancer_supply: {"Web, Mobile & Software Dev": 30, Design & Creative: 14, Sales & Marketing: 12, Writing: 10,
                      Admin Support: 8, Data Science & Analytics: 7, IT & Networking: 5, Customer Service: 4,
                      Accounting & Consulting: 4, Engineering & Architecture: 0.6, Translation: 2, Legal: 1}
"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    d = tmp_path_factory.mktemp("planted")
    (d / "planted.yaml").write_text(PLANTED)
    store = gigsight.connect(str(d / "p.duckdb"))
    gigsight.simulate(store, str(d / "planted.yaml"), scale=0.01, seed=5, validate=False)
    gigsight.enrich(store)
    yield store
    store.close()


def _ordinary(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Rows of skills the simulator uses only for ordinary (not AI) work, with the category it plants them in."""
    g = grammar()
    of_ai = {s.lower() for k in range(g.n_ai) for s in g.skills[k]}
    home = {s.lower(): g.kinds[k] for k in range(g.n_ai, len(g.kinds)) for s in g.skills[k]}
    key = df.skill.str.lower()
    out = df.assign(cat=key.map(home))
    return out[out.cat.notna() & ~key.isin(of_ai)]


def test_promote_ranks_planted_growth_then_planted_scarcity_first_not_size(planted: Store) -> None:
    p = _ordinary(planted, promote(planted, at="2025Q3", top=500))
    by_cat = p.groupby("cat")["rank"].median().sort_values()
    assert list(by_cat.index[:2]) == ["Legal", "Engineering & Architecture"], by_cat
    # the biggest skills of the planted shrinking software work are not what gets promoted
    every = _ordinary(planted, trends(planted, at="2025Q3"))
    software = every[every.cat == "Web, Mobile & Software Dev"]
    biggest = set(software.assign(n=software.jobs_posted.astype(int)).nlargest(5, "n").skill)
    assert not biggest & set(p[p["rank"].astype(int) <= 10].skill)
    assert all(" vs " in r and "for all jobs" in r and "median skill" in r for r in p.reasons)


def test_emerging_lists_planted_declines_beside_the_risers(planted: Store) -> None:
    e = _ordinary(planted, emerging(planted))
    declining, rising = e[e.trend == "declining"], e[e.trend == "emerging"]
    assert (declining.cat == "Web, Mobile & Software Dev").sum() >= 3
    assert (rising.cat == "Legal").sum() >= 3
    assert "Legal" not in set(declining.cat)
    assert "Web, Mobile & Software Dev" not in set(rising.cat)
    top = movers(emerging(planted), 3)
    assert list(top.trend) == ["emerging"] * 3 + ["declining"] * 3  # a long list of risers never hides fallers
    facade = gigsight.emerging_skills(top=3, con=planted)
    assert list(facade.skill) == list(top.skill)


def test_learn_never_suggests_a_skill_whose_jobs_fell_for_certain(planted: Store) -> None:
    t = trends(planted, at="2025Q3").set_index("skill")
    falling = set(t.index[pd.to_numeric(t.jobs_yoy_high) < 0])
    assert len(falling) >= 5  # the planted decline gives learn something to avoid
    fids = planted.con.table("freelancer_canonical_skills").to_pandas().freelancer_id.drop_duplicates()
    suggested: list[str] = []
    for fid in fids.sample(15, random_state=1):
        suggested += list(learn(planted, fid, at="2025Q3").skill)
    assert len(suggested) >= 50
    assert not set(suggested) & falling
    growth = pd.to_numeric(t.jobs_yoy.reindex(suggested))
    assert (growth > 0).sum() > (growth < 0).sum()


def test_planted_supply_is_validated(tmp_path: Path, duck: Store) -> None:
    for body, message in (("{Legall: 2}", "did you mean 'Legal'"), ("{Legal: 0}", "must be a weight in"),
                          ("[Legal]", "must map a category")):
        f = tmp_path / "bad.yaml"
        f.write_text(f"name: bad\nextends: steady\nbehaviour:\n  freelancer_supply: {body}\n")
        with pytest.raises(ConfigError, match=message):
            gigsight.simulate(duck, str(f), scale=0.0005, validate=False)
