"""Build src/gigsight/skills/data/taxonomy.csv from the curated skills and the open taxonomies.

    python scripts/build_taxonomy.py --taxonomy ../shared/data/taxonomy --upwork ../shared/data/jobs/upwork_2025_graphql

Curated skills (skills/data/curated.yaml) come first and win every conflict. Derived layers, each filtered to the
tools and skills that freelance posts name (the open taxonomies hold tens of thousands of rows of noise for this use):
- O*NET 29.2 technology skills: hot or in-demand technologies and software named by two or more occupations in
  the software classes, with the vendor-less name and the trailing acronym as aliases; category from the UNSPSC class.
- Stack Overflow tags with 2,000+ questions that the MIT skill-extractor gazetteer also lists as a skill and that
  look like a technology name (not an English word), with their tag synonyms as aliases.
- ESCO: "X (computer programming)" knowledge concepts add their alternative labels as aliases of X.
A derived skill that shares an alias with a known one adds its other aliases to it ("Microsoft ASP.NET" to ASP.NET),
so every alias names one skill.
- Upwork's own skill list (``--upwork``: the upwork_2025_graphql folder of the shared jobs data, its all_skills.csv
  and upwork_skills.json): where the marketplace lists both a skill and one of its aliases as skills of their own
  (Email Marketing and Mailchimp, iOS Development and iOS, REST API and API Integration), the alias becomes a skill
  under the marketplace's name, in the same category and AI class, so a client who writes and tags "Mailchimp"
  sees "Mailchimp" extracted. Spelling variants the marketplace does not list apart stay aliases. Products and terms
  of art it files under a speciality, that an open source above holds and no skill covers, become skills of their
  own (``upwork_additions`` in scripts/taxonomy_upwork.py; wordfreq tells everyday English apart:
  ``pip install -e ".[taxonomy]"``).
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import pandas as pd
from taxonomy_upwork import STOP_ALIASES, VENDORS, upwork_additions, upwork_names, upwork_renames, upwork_splits

from gigsight.skills.taxonomy import CURATED, Skill, load_curated, normalise_alias, slug

OUT = CURATED.parent / "taxonomy.csv"
SOFTWARE_CLASSES = {
    "Development software": "Web, Mobile & Software Dev",
    "Data management and query software": "Data Science & Analytics",
    "Content authoring and editing software": "Design & Creative",
    "Network applications software": "IT & Networking",
    "Operating environment software": "IT & Networking",
    "Network management software": "IT & Networking",
    "Networking software": "IT & Networking",
    "Content management software": "Web, Mobile & Software Dev",
    "Finance accounting and enterprise resource planning ERP software": "Accounting & Consulting",
    "Business function specific software": "Admin Support",
    "Information exchange software": "Admin Support",
    "Industry specific software": "Engineering & Architecture",
    "Computer game or entertainment software": "Web, Mobile & Software Dev",
    "Educational or reference software": "Admin Support",
    "Security and protection software": "IT & Networking",
}
COMMODITY_CATEGORY = [  # checked before the class: the commodity says more
    (r"analytical|business intelligence|data base|database|data mining|statistical", "Data Science & Analytics"),
    (r"graphics|photo|video|music|sound|animation|presentation|desktop publishing", "Design & Creative"),
    (r"computer aided design|cad|computer aided manufacturing|cam |map creation|geographic",
     "Engineering & Architecture"),
    (r"customer relationship|sales|marketing", "Sales & Marketing"),
    (r"accounting|tax|financial|enterprise resource", "Accounting & Consulting"),
    (r"web page|web platform|program testing|compiler|object or component|development environment|"
     r"configuration management", "Web, Mobile & Software Dev"),
    (r"operating system|network|security|server|backup|transaction", "IT & Networking"),
]


def _onet(folder: Path) -> list[Skill]:
    df = pd.read_csv(folder / "onet" / "onet_29.2_technology_unique.tsv", sep="\t")
    generic = df.Example.str.lower().str.contains(r" (?:software|systems)$")  # "Calendar software": a kind, not a skill
    vendor_only = df.Example.str.lower().isin(VENDORS)
    keep = ((df.hot_technology == "Y") | (df.in_demand == "Y") | (df.n_occupations >= 3)) & ~generic & ~vendor_only
    out = []
    for row in df[keep].itertuples():
        name = str(row.Example).strip()
        aliases = {name}
        m = re.match(r"^(.*\S)\s+([A-Z][A-Z0-9+#./-]{1,})$", name)  # "Structured query language SQL"
        if m and _spells(m.group(1), m.group(2)):  # not "Microsoft Dynamics GP" or "Sage 100 ERP"
            aliases |= {m.group(1), m.group(2)}
        low = name.lower()
        for v in VENDORS:
            if low.startswith(v + " ") and len(low) > len(v) + 3:
                rest = name[len(v) + 1:]
                if " " in rest or not rest.isalpha() or rest.isupper():  # "Project", "Access", "Drive" are words
                    aliases.add(rest)
        aliases -= {v.title() for v in VENDORS} | set(VENDORS)
        category = SOFTWARE_CLASSES.get(str(row.unspsc_class), "Web, Mobile & Software Dev")
        for pattern, cat in COMMODITY_CATEGORY:
            if re.search(pattern, str(row.commodity_title).lower()):
                category = cat
                break
        out.append(Skill(slug(name), name, category, False, None, False, tuple(sorted(aliases)), "onet"))
    return out


def _spells(words: str, acronym: str) -> bool:
    """Whether ``acronym`` is the initials of the last words of ``words`` ("Structured query language", "SQL")."""
    letters = re.sub(r"[^a-z0-9]", "", acronym.lower())
    initials = "".join(w[0] for w in words.lower().split())
    return len(letters) >= 2 and initials.endswith(letters)


def _stackoverflow(folder: Path) -> list[Skill]:
    tags = pd.read_csv(folder / "stackoverflow" / "Tags.csv", keep_default_na=False)
    syn = pd.read_csv(folder / "stackoverflow" / "TagSynonyms.csv", keep_default_na=False)
    gazetteer = set(json.loads((folder / "skill-extractor-gazetteer" / "skills.json").read_text()))
    tech_like = re.compile(r"[.#+0-9]|^[a-z]+(?:js|db|sql|ql|ml|api)$|^(?:apache|aws|azure|google|microsoft|react|vue|"
                           r"angular|spring|django|node|oracle|ms|sql|docker|kubernetes|jquery|amazon)-")
    ok = tags[(tags.Count >= 2000) & tags.TagName.map(lambda t: t in gazetteer or t.replace("-", " ") in gazetteer)]
    ok = ok[ok.TagName.map(lambda t: bool(tech_like.search(t)) or t in _KNOWN_TECH)]
    by_target = syn.groupby("TargetTagName").SourceTagName.apply(list).to_dict()
    out = []
    for tag in ok.TagName:
        aliases = {tag, tag.replace("-", " ")} | set(by_target.get(tag, []))
        out.append(Skill(slug(tag), _display(tag), "Web, Mobile & Software Dev", False, None, False,
                         tuple(sorted(aliases)), "stackoverflow"))
    return out


# SO tags that are technologies although they look like words (the filter above keeps names with digits, dots...)
_KNOWN_TECH = {"ruby", "perl", "haskell", "erlang", "clojure", "fortran", "cobol", "delphi", "groovy", "julia",
               "prolog",
               "eclipse", "xamarin", "gradle", "maven", "webpack", "babel", "eslint", "jenkins", "nginx", "tomcat",
               "cassandra", "neo4j", "couchdb", "dynamodb", "rabbitmq", "celery", "sqlalchemy", "hibernate",
               "matplotlib", "seaborn", "plotly", "bokeh", "scipy", "sympy", "opengl", "vulkan", "directx", "cuda",
               "openmp", "mpi", "wxpython", "kivy", "pygame", "phaser", "threejs", "d3", "leaflet", "mapbox", "xcode",
               "cocoa", "uikit", "gulp", "grunt", "npm", "yarn", "composer", "pip", "conda", "anaconda", "vagrant",
               "openshift", "istio", "consul", "vault", "packer", "pulumi", "grpc", "protobuf", "thrift", "swagger",
               "postman", "soap", "wsdl", "oauth", "jwt", "ldap", "saml", "kerberos", "openssl", "wireshark",
               "unix", "macos", "windows", "wordpress", "drupal", "joomla", "typo3", "umbraco", "sitecore", "strapi",
               "contentful", "sanity", "ghost", "hugo", "jekyll", "gatsby", "remix", "astro", "vite", "deno", "bun"}


def _esco_aliases(folder: Path, skills: dict[str, Skill], owner: dict[str, str]) -> None:
    labels = pd.read_csv(folder / "esco" / "esco_v1.1.1_skills_labels.tsv", sep="\t")
    by_name = {normalise_alias(s.name): s for s in skills.values()}
    for row in labels.itertuples():
        m = re.match(r"^(.+) \(computer programming\)$", str(row.preferredLabel))
        target = by_name.get(normalise_alias(m.group(1))) if m else None
        if target is None or not isinstance(row.altLabels, str):
            continue
        extra = [a.strip() for a in row.altLabels.split("|")
                 if 2 < len(a.strip()) <= 40 and normalise_alias(a) not in owner]
        owner.update({normalise_alias(a): target.skill_id for a in extra})
        skills[target.skill_id] = target.with_aliases(extra, source_note="esco")


def _display(tag: str) -> str:
    return tag if re.search(r"[.#+]", tag) else tag.replace("-", " ").title()


def _merge(skills: dict[str, Skill], layer: list[Skill], owner: dict[str, str]) -> None:
    """Add a derived layer: a skill sharing an alias with a known one adds its other aliases to it, else it is new."""
    for s in layer:
        names = (s.name, *s.aliases)
        keys = [normalise_alias(a) for a in names]
        known = next((owner[k] for k in keys if k in owner), None)
        fresh = [a for a, k in zip(names, keys, strict=True) if k and k not in owner and k not in STOP_ALIASES]
        if known is None and s.skill_id in skills:
            continue
        if known is not None:
            if fresh:
                skills[known] = skills[known].with_aliases(fresh, source_note=s.source)
        else:
            skills[s.skill_id] = Skill(s.skill_id, s.name, s.category, False, None, False,
                                       tuple(a for a in fresh if a != s.name), s.source)
            known = s.skill_id
        owner.update({normalise_alias(a): known for a in fresh})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxonomy", type=Path, required=True,
                    help="folder of the open taxonomies (../shared/data/taxonomy)")
    ap.add_argument("--upwork", type=Path, required=True,
                    help="Upwork's skill list (../shared/data/jobs/upwork_2025_graphql)")
    args = ap.parse_args()
    folder = args.taxonomy
    curated = load_curated()
    skills = {s.skill_id: s for s in curated.skills}
    owner = {normalise_alias(a): s.skill_id for s in curated.skills for a in (s.name, *s.aliases)}
    _merge(skills, _onet(folder), owner)
    _merge(skills, _stackoverflow(folder), owner)
    _esco_aliases(folder, skills, owner)
    upwork = upwork_names(args.upwork)
    upwork_splits(upwork, skills, owner)
    upwork_renames(upwork, skills)
    upwork_additions(upwork, (folder, args.upwork), skills, owner)
    with OUT.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["skill_id", "name", "category", "is_ai", "ai_kind", "weak_ai", "aliases", "source"])
        for s in skills.values():
            w.writerow([s.skill_id, s.name, s.category, int(s.is_ai), s.ai_kind or "", int(s.weak_ai),
                        "|".join(a for a in s.aliases if a != s.name), s.source])
    counts = pd.Series([s.source for s in skills.values()]).value_counts().to_dict()
    print(f"wrote {OUT} with {len(skills)} skills {counts}")


if __name__ == "__main__":
    main()
