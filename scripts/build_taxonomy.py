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
  sees "Mailchimp" extracted. Spelling variants the marketplace does not list apart stay aliases.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

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
STOP_ALIASES = {"etc", "div", "mac", "pig", "gs", "ids", "ips", "mis", "plt", "gdb", "lis", "oms", "pms", "dcs", "gms",
                "idb"}
VENDORS = ("microsoft", "adobe", "oracle", "ibm", "google", "apple", "amazon", "autodesk", "sap", "salesforce",
           "atlassian", "intuit", "apache", "the mathworks", "sas", "dassault systemes", "bentley", "esri")
VENDOR_WORDS = {w for v in VENDORS for w in v.split()}
HOMONYMS = {"lora"}  # Upwork's LoRa is the radio protocol; our alias is LoRA, the fine-tuning method
NOT_SPELLINGS = {"sap erp"}  # one vendor's ERP, not ERP spelled with its vendor (IBM SPSS is SPSS)


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


def _upwork_names(folder: Path) -> dict[str, str]:
    """Normalised name -> the marketplace's spelling, for every skill Upwork lists."""
    names = [r["skill"] for r in csv.DictReader((folder / "all_skills.csv").open(encoding="utf-8"))]
    for speciality in json.loads((folder / "upwork_skills.json").read_text(encoding="utf-8")):
        for group in speciality["attributeGroups"]:
            names += group["attributes"]
    return {normalise_alias(n): n for n in sorted(set(names))}


def _word_list(name: str) -> list[str]:
    """A name's words in order, lower case, vendor words left out."""
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in VENDOR_WORDS]


def _words(name: str) -> set[str]:
    return set(_word_list(name))


def _abbreviates(short: str, phrase: str) -> bool:
    """Whether a short word is an abbreviation of a phrase of two or more words: its letters in order, the first
    one the phrase's ("VBA" for Visual Basic for Applications, "DAX" for Data Analysis Expressions)."""
    words = [w for w in re.split(r"[^a-z0-9]+", phrase.lower()) if w]
    if not 2 <= len(short) <= 5 or len(words) < 2 or short[0] != words[0][0]:
        return False
    rest = iter("".join(words)[1:])
    return all(c in rest for c in short[1:])


def _related(a: str, b: str) -> bool:
    """Whether two names spell one thing: a word of one starts the other's ("Go", "Golang"; "Web", "Website"), a
    word of five letters or more lies in the other's ("HighLevel", "GoHighLevel"), they share a five-letter stem
    ("Wireframe", "Wireframing") or one abbreviates the other ("VBA", "UX" for User Experience).

    >>> _related("Golang", "Go"), _related("VBA", "Visual Basic for Applications"), _related("Wireframe", "Wireframing")
    (True, True, True)
    >>> _related("ArcGIS", "Geospatial Analysis"), _related("Microsoft Teams", "Microsoft 365")
    (False, False)
    >>> _related("CAD", "AutoCAD")
    False
    """
    wa, wb = _words(a), _words(b)
    if not wa or not wb or any(_abbreviates(w, b) for w in wa) or any(_abbreviates(w, a) for w in wb):
        return True
    return any(x.startswith(y) or y.startswith(x) or (len(x) >= 5 and x[:5] == y[:5])
               or (min(len(x), len(y)) >= 5 and (x in y or y in x)) for x in wa for y in wb)


def _upwork_splits(upwork: dict[str, str], skills: dict[str, Skill], owner: dict[str, str]) -> None:
    """Aliases the marketplace lists as skills beside their skill become skills of their own (see the module doc);
    where it lists the alias but not the skill, only an alias that names another thing (a product: ArcGIS under
    Geospatial Analysis, SAP under ERP) is split, never a spelling (Go and Golang stay one skill). ``upwork``:
    :func:`_upwork_names`."""
    for s in list(skills.values()):
        own = normalise_alias(s.name)
        split: dict[str, list[str]] = {}
        for a in s.aliases:
            n = normalise_alias(a)
            if n in upwork and n != own and n not in HOMONYMS and (own in upwork or not _related(a, s.name)):
                split.setdefault(n, []).append(a)
        if not split:
            continue
        skills[s.skill_id] = replace(s, aliases=tuple(a for a in s.aliases if normalise_alias(a) not in split))
        heads: dict[str, list[str]] = {}  # spellings of one product make one skill, named by the shortest
        for n in sorted(split, key=lambda k: (len(k), k)):
            head = None if own in upwork else next((h for h in heads if _related(upwork[n], upwork[h])), None)
            heads.setdefault(head or n, []).extend(split[n] + ([upwork[n]] if head else []))
        for n, spellings in heads.items():
            name = upwork[n]
            sid = slug(name) if slug(name) not in skills else f"{slug(name)}-upwork"
            skills[sid] = Skill(sid, name, s.category, s.is_ai, s.ai_kind, s.weak_ai,
                                tuple(a for a in dict.fromkeys(spellings) if a != name), "upwork")
            owner[n] = sid


def _spells_whole(alias: str, name: str) -> bool:
    """Whether an alias names the whole skill, only spelled another way: the name less some of its words (Android
    for Android Development, Claude for Claude API; vendor words ignored), one abbreviating the other (SEO, Search
    Engine Optimization), or the same words spelled apart (Golang, ExpressJS, Smart Contract, Automated Testing).
    A narrower thing (AWS Lambda for AWS, Copy Editing for Editing) or another word (Facial for Face) is not.

    >>> _spells_whole("Android", "Android Development"), _spells_whole("Search Engine Optimization", "SEO")
    (True, True)
    >>> _spells_whole("AWS Lambda", "AWS"), _spells_whole("Copy Editing", "Editing")
    (False, False)
    >>> _spells_whole("Golang", "Go"), _spells_whole("Automated Testing", "Automation Testing")
    (True, True)
    """
    wa, wn = _words(alias), _words(name)
    if not wa or normalise_alias(alias) in NOT_SPELLINGS:
        return False
    if wa <= wn or _acronym(wn, alias) or _acronym(wa, name):
        return True
    la, ln = _word_list(alias), _word_list(name)
    if "".join(la).rstrip("s") == "".join(ln).rstrip("s"):
        return True
    if len(la) != len(ln):
        return False
    return all(x == y or x in (y + "lang", y + "js") or y in (x + "lang", x + "js")
               or (min(len(x), len(y)) >= 5 and x[:5] == y[:5]) for x, y in zip(la, ln, strict=True))


def _acronym(words: set[str], phrase: str) -> bool:
    """Whether ``words`` is one word that abbreviates ``phrase`` without being one of its words (SEO, not eBay for
    eBay Listing)."""
    return len(words) == 1 and (w := next(iter(words))) not in _words(phrase) and _abbreviates(w, phrase)


def _upwork_renames(upwork: dict[str, str], skills: dict[str, Skill]) -> None:
    """A skill the marketplace lists only under another spelling of its whole name takes that spelling as its name
    (its id stays, the old name becomes an alias): a client who writes and tags "Android" sees "Android", not our
    "Android Development". Several such spellings: the shortest."""
    for sid, s in list(skills.items()):
        if normalise_alias(s.name) in upwork:
            continue
        keys = {a: normalise_alias(a) for a in s.aliases}
        found = sorted((k for a, k in keys.items() if k in upwork and k not in HOMONYMS and _spells_whole(a, s.name)),
                       key=lambda k: (len(k), k))
        if found:
            rest = tuple(a for a, k in keys.items() if k != found[0])
            skills[sid] = replace(s, name=upwork[found[0]], aliases=(s.name, *rest), source=f"{s.source}+upwork-name")


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
    upwork = _upwork_names(args.upwork)
    _upwork_splits(upwork, skills, owner)
    _upwork_renames(upwork, skills)
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
