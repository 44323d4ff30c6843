"""Upwork's own skill list in the taxonomy build: which aliases become skills, which names the marketplace uses,
and which of its products and terms of art become skills (see scripts/build_taxonomy.py, which calls these last).

The list (the shared upwork_2025_graphql folder: all_skills.csv and upwork_skills.json) has no license: it decides
granularity, names and categories, and no string of a skill comes from it alone.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from gigsight.skills.taxonomy import Skill, normalise_alias, slug

STOP_ALIASES = {"etc", "div", "mac", "pig", "gs", "ids", "ips", "mis", "plt", "gdb", "lis", "oms", "pms", "dcs", "gms",
                "idb"}
VENDORS = ("microsoft", "adobe", "oracle", "ibm", "google", "apple", "amazon", "autodesk", "sap", "salesforce",
           "atlassian", "intuit", "apache", "the mathworks", "sas", "dassault systemes", "bentley", "esri")
VENDOR_WORDS = {w for v in VENDORS for w in v.split()}
# Upwork's LoRa is the radio protocol (our alias is LoRA, the fine-tuning method); the others are Upwork skill names
# that are more often a place, a legend or a word in a post (Aruba the island, not Aruba Networks)
HOMONYMS = {"lora", "aruba", "camelot", "lassie", "dojo", "zephyr", "trac", "nem", "marmalade", "calabash",
            "mercurial"}
NOT_SPELLINGS = {"sap erp"}  # one vendor's ERP, not ERP spelled with its vendor (IBM SPSS is SPSS)
# Upwork's specialities by the category Upwork files them under (every other speciality in the list is software)
SPECIALITY_CATEGORY = {
    **dict.fromkeys(("Data Analytics", "Data Visualization", "Experimentation & Testing", "Data Extraction",
                     "Data Processing", "Data Engineering", "Data Mining", "Knowledge Representation"),
                    "Data Science & Analytics"),
    **dict.fromkeys(("Database Administration", "Business Applications Development", "Systems Engineering",
                     "IT Compliance", "Information Security", "Network Security", "Network Administration",
                     "Systems Administration", "Cloud Engineering", "DevOps Engineering", "Solution Architecture"),
                    "IT & Networking")}
# their lists mix AI methods with tools that are not AI (Streamlit, Framer, Filmora): no new skill from them, since a
# wrong AI flag would move every AI share
AI_SPECIALITIES = {"Generative AI Modeling", "AI Data Annotation & Labeling", "Deep Learning", "Machine Learning",
                   "AI Chatbot Development", "AI Integration"}
NOT_SKILLS = re.compile(r"employees|\binc\b|\bllc\b")  # client attributes and company names in Upwork's list
RARE_ZIPF = 3.0  # rarer than once per million words of English (wordfreq's Zipf scale)


def _listed(folder: Path) -> list[tuple[str, str]]:
    """(skill name, speciality) for every skill upwork_skills.json files under a speciality, in file order."""
    return [(name, speciality["specialities"])
            for speciality in json.loads((folder / "upwork_skills.json").read_text(encoding="utf-8"))
            for group in speciality["attributeGroups"] for name in group["attributes"]]


def _specialities(folder: Path) -> dict[str, str]:
    """Normalised name -> the first Upwork speciality that lists the skill."""
    out: dict[str, str] = {}
    for name, speciality in _listed(folder):
        out.setdefault(normalise_alias(name), speciality)
    return out


def _term_of_art(name: str) -> bool:
    """Whether a name is a product or a term of art rather than a phrase of everyday English: a digit or symbol, a
    capital inside a word, or a word rarer than :data:`RARE_ZIPF` in general English (Appium, PIC24,
    CoffeeScript, Highcharts; not "Database" or "Performance Optimization", which clients write in passing and tag
    rarely). wordfreq is needed only here, to rebuild the taxonomy: ``pip install -e ".[taxonomy]"``.

    >>> _term_of_art("nRF52"), _term_of_art("CoffeeScript"), _term_of_art("Ages 7+")
    (True, True, False)
    """
    from wordfreq import zipf_frequency

    if re.search(r"[A-Za-z][0-9]|[0-9][A-Za-z]|[A-Za-z][.#+]|[.#+][A-Za-z]|[a-z][A-Z]", name):
        return True
    return any(zipf_frequency(w.lower(), "en") < RARE_ZIPF for w in re.split(r"[^A-Za-z]+", name) if w)


def _open_names(folder: Path) -> set[str]:
    """Every name the open sources hold, normalised: Stack Overflow tags and synonyms, the skill-extractor
    gazetteer, all O*NET technology examples and ESCO labels, whatever build_taxonomy.py's filters kept."""
    so = pd.read_csv(folder / "stackoverflow" / "Tags.csv", keep_default_na=False).TagName.tolist()
    so += pd.read_csv(folder / "stackoverflow" / "TagSynonyms.csv", keep_default_na=False).SourceTagName.tolist()
    names = so + [t.replace("-", " ") for t in so]
    names += json.loads((folder / "skill-extractor-gazetteer" / "skills.json").read_text())
    names += pd.read_csv(folder / "onet" / "onet_29.2_technology_unique.tsv", sep="\t").Example.astype(str).tolist()
    esco = pd.read_csv(folder / "esco" / "esco_v1.1.1_skills_labels.tsv", sep="\t", keep_default_na=False)
    names += esco.preferredLabel.tolist() + [a.strip() for v in esco.altLabels for a in v.split("|")]
    return {normalise_alias(n) for n in names}


def upwork_additions(upwork: dict[str, str], folders: tuple[Path, Path], skills: dict[str, Skill],
                      owner: dict[str, str]) -> None:
    """Skills the marketplace files under one of its specialities that no other source named become skills under
    the marketplace's name, where the name is a term of art (:func:`_term_of_art`) and not another spelling of a
    known skill (:func:`_related`): a client who writes and tags "Appium" or "Highcharts" sees it extracted. The
    category is the one Upwork files the speciality under; never AI-related (see :data:`AI_SPECIALITIES`). Names
    Upwork lists under no speciality stay out: nothing says which category they belong to. So do names no open
    source holds (:func:`_open_names`): Upwork's list has no license, so it decides which names become skills and
    where, never what a name is (it only gives the letter case of a name an open source spells in lower case)."""
    spec, known = _specialities(folders[1]), _open_names(folders[0])
    by_word: dict[str, set[str]] = {}
    for s in skills.values():
        for w in _words(s.name):
            by_word.setdefault(w, set()).add(s.name)
    for key, name in upwork.items():
        sp = spec.get(key)
        if (not sp or key not in known or len(key) < 2 or key in owner or key in HOMONYMS or key in STOP_ALIASES
                or NOT_SKILLS.search(key) or sp in AI_SPECIALITIES or not _term_of_art(name)
                or any(_related(name, n) for w in _words(name) for n in by_word.get(w, ()))):
            continue
        sid = _free_id(name, skills)
        skills[sid] = Skill(sid, name, SPECIALITY_CATEGORY.get(sp, "Web, Mobile & Software Dev"), False, None, False,
                            (), "upwork-list")
        owner[key] = sid


def _free_id(name: str, skills: dict[str, Skill]) -> str:
    """The id of a skill the marketplace's list adds: its name's slug, marked when a skill holds that id already."""
    return slug(name) if slug(name) not in skills else f"{slug(name)}-upwork"


def upwork_names(folder: Path) -> dict[str, str]:
    """Normalised name -> the marketplace's spelling, for every skill Upwork lists."""
    names = [r["skill"] for r in csv.DictReader((folder / "all_skills.csv").open(encoding="utf-8"))]
    names += [name for name, _ in _listed(folder)]
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


def upwork_splits(upwork: dict[str, str], skills: dict[str, Skill], owner: dict[str, str]) -> None:
    """Aliases the marketplace lists as skills beside their skill become skills of their own (see the module doc);
    where it lists the alias but not the skill, only an alias that names another thing (a product: ArcGIS under
    Geospatial Analysis, SAP under ERP) is split, never a spelling (Go and Golang stay one skill). ``upwork``:
    :func:`upwork_names`."""
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
            sid = _free_id(name, skills)
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


def upwork_renames(upwork: dict[str, str], skills: dict[str, Skill]) -> None:
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
