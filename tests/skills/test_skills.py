"""Skills: taxonomy validation, extraction with context rules, the AI classifier's definition, category inference,
bad text, the jobs-classify CLI and the enrich stage against the simulator's planted truth."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import gigsight
from gigsight.cli import app
from gigsight.errors import DataValidationError
from gigsight.skills import AI_KINDS, CATEGORIES, Classifier, Matcher, classify, load_taxonomy
from gigsight.skills.taxonomy import _read_csv

C = Classifier.default()


def test_taxonomy_size_categories_and_ai_layer() -> None:
    tax = load_taxonomy()
    assert 1000 <= len(tax) <= 2500
    assert {s.category for s in tax.skills} == set(CATEGORIES)
    assert {s.ai_kind for s in tax.skills if s.is_ai} == set(AI_KINDS)
    for name in ("LangChain", "RAG", "Prompt Engineering", "AI Agents", "n8n", "Midjourney", "Stable Diffusion",
                 "Runway", "Pika", "ElevenLabs", "AI Content Writing", "Data Annotation", "RLHF"):
        assert tax.lookup[name.lower()].name, name


def test_taxonomy_file_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "mine.csv"
    bad.write_text("skill_id,name,category,aliases\n"
                   "a,Alpha,Writing,al\n"
                   "a,Beta,Writing,\n"
                   "c,Gamma,Cooking,al\n")
    with pytest.raises(DataValidationError) as e:
        _read_csv(bad)
    text = str(e.value)
    assert "mine.csv row 3, column skill_id, value 'a': duplicate id" in text
    assert "row 4, column category, value 'Cooking'" in text
    assert "alias maps to two skills: a (row 2) and c" in text


def test_user_taxonomy_extends_the_packaged_one(tmp_path: Path) -> None:
    mine = tmp_path / "mine.csv"
    mine.write_text("skill_id,name,category,is_ai,ai_kind,aliases\nacme-llm,AcmeLLM,Writing,1,llm_apps,acme gpt\n")
    tax = load_taxonomy(str(mine))
    assert tax.lookup["acme gpt"].skill_id == "acme-llm"
    assert "python" in tax.by_id and len(tax) == len(load_taxonomy()) + 1


def test_user_taxonomy_can_replace_skills_and_categories(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("categories: [Cooking, Cleaning]\n"
                    "skills:\n  Cooking: [Baking | bread making, Grilling]\n  Cleaning: [Laundry]\n"
                    "ai:\n  generative_media: {category: Cooking, skills: [AI Recipes | recipe generator]}\n")
    tax = load_taxonomy(str(mine), replace_packaged=True)
    assert tax.categories == ("Cooking", "Cleaning") and len(tax) == 4
    assert tax.lookup["bread making"].name == "Baking" and tax.lookup["ai recipes"].is_ai
    c = Classifier(Matcher(tax))
    assert c.classify("Bread making class").category == "Cooking"
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: [Cooking]\nskills:\n  Gardening: [Pruning]\n")
    with pytest.raises(DataValidationError, match="value 'Gardening': unknown category; known: Cooking"):
        load_taxonomy(str(bad), replace_packaged=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("Go developer for gRPC microservices", ["Golang", "Microservices"]),
    ("Ready to go? Let's go!", []),
    ("Statistical analysis in R with ggplot2", ["Statistical Analysis", "R", "ggplot2"]),
    ("Rate the letters A, B, C and R", []),
    ("Automate invoices with Make and Airtable", ["Make.com", "Airtable"]),
    ("Make sure the logo pops", ["Logo Design"]),
    ("Clips made with Runway Gen-3 and Pika", ["Runway", "Pika"]),
    ("C++ and C# and .NET, not Node.js", ["C++", "C#", ".NET", "Node.js"]),
    ("Need dashboards and chatbots", ["Dashboard", "Chatbot"]),
])
def test_extraction_with_context_rules(text: str, expected: list[str]) -> None:
    assert list(dict.fromkeys(m.skill.name for m in Matcher.default().find(text))) == expected


def test_evidence_spans_point_into_the_text() -> None:
    text = "Senior dev: LangChain + Pinecone RAG"
    for m in Matcher.default().find(text):
        assert text[m.start:m.end] == m.text


@pytest.mark.parametrize(("title", "desc", "kind"), [
    ("Build a customer support chatbot with the OpenAI API", "RAG over our docs.", "llm_apps"),
    ("n8n AI agent to qualify leads", "The workflow calls an LLM.", "agents_automation"),
    ("Churn prediction model", "Train XGBoost and scikit-learn models.", "ml"),
    ("Speech to text pipeline", "Transcribe calls with Whisper and run NLP.", "nlp_speech"),
    ("YOLOv8 object detection", "Detect defects in camera images with OpenCV.", "vision"),
    ("Midjourney artist", "AI art for book covers with Stable Diffusion.", "generative_media"),
    ("AI video editing for shorts", "Use Runway and CapCut AI features.", "ai_video_editing"),
    ("AI content writer", "Draft blog posts with AI writing tools and edit AI-generated drafts.", "ai_content_writing"),
    ("Data annotation for AI training", "Draw bounding boxes; image annotation in CVAT.", "data_annotation"),
])
def test_every_ai_kind(title: str, desc: str, kind: str) -> None:
    r = C.classify(title, desc)
    assert r.is_ai and r.ai_kind == kind, r.reason


@pytest.mark.parametrize(("title", "desc"), [
    ("Blog writer", "Original articles only. No AI-generated content; we run AI detectors."),
    ("Shopify theme fixes", "We are an AI-powered startup. Fix our checkout and theme."),
    ("React developer", "You may use AI coding tools like Copilot or Cursor to move faster."),
    ("Trading bot for Binance", "Plain API integration, no machine learning, execute my rules."),
    ("Power BI dashboard", "Build sales dashboards in Power BI from SQL Server."),
])
def test_not_ai_work(title: str, desc: str) -> None:
    r = C.classify(title, desc)
    assert not r.is_ai, r.reason


@pytest.mark.parametrize(("desc", "is_ai"), [
    ("Predict which patients are at risk using machine learning.", True),
    ("We need a machine learning based fraud screen for card payments.", True),
    ("Experience with machine learning is a plus.", False),  # a wish-list word, not how the work is done
    ("Our team works on machine learning.", False),
])
def test_ai_named_as_the_method_counts_in_the_description(desc: str, is_ai: bool) -> None:
    r = C.classify("Risk scoring project", desc)
    assert r.is_ai is is_ai, r.reason
    assert ("how the work is done" in r.reason) is is_ai


@pytest.mark.parametrize(("title", "is_ai", "kind"), [
    ("AI expert needed for our support team", True, None),
    ("ML engineer for a recommendation feature", True, "ml"),
    ("Chatbot for our dental clinic", True, "llm_apps"),
    ("Logo designer, no AI tools", False, None),
    ("AI-powered startup seeks a Shopify developer", False, None),
    ("Cursor AI user to speed up our React coding", False, None),
    ("Artificial intelligence web system", True, "ml"),
    ("WordPress website for an AI automation agency", False, None),
    ("Virtual assistant for our AI business", False, None),
])
def test_a_title_naming_ai_decides_unless_cancelled(title: str, is_ai: bool, kind: str | None) -> None:
    r = C.classify(title, "Details in chat.")
    assert r.is_ai is is_ai, r.reason
    assert (r.ai_score >= 0.63) is is_ai  # the score agrees with the verdict
    if kind:
        assert r.ai_kind == kind


@pytest.mark.parametrize(("desc", "is_ai"), [
    ("Core features: an AI chatbot on the OpenAI API and a recommendation engine for content.", True),
    ("Mood tracking screens, with insights using machine learning.", False),  # umbrella words only
])
def test_specific_ai_skills_outweigh_a_title_about_other_work(desc: str, is_ai: bool) -> None:
    r = C.classify("React Native developer for a wellness app", desc)
    assert r.is_ai is is_ai, r.reason


@pytest.mark.parametrize(("title", "desc", "tags"), [
    ("Compile data on AI legislation", "Research the laws passed on artificial intelligence legislation.", ""),
    ("AI provisional patent filing", "Prepare the patent for an AI-related invention.", ""),
    ("Chatbot for care home websites", "Use Landbot. No AI or LLM: a scripted flow.", "AI Chatbot|Conversational AI"),
    ("AI coding tools developer", "Job title: AI enabled developer. Speed up our B2B app with AI coding tools.", ""),
])
def test_ai_as_topic_denied_or_coding_aid_is_not_ai_work(title: str, desc: str, tags: str) -> None:
    r = C.classify(title, desc, tags)
    assert not r.is_ai, r.reason


def test_ai_chatbot_is_strong_evidence_and_a_plain_chatbot_weak() -> None:
    ai = C.classify("Garage management SaaS", "Features: bookings, invoices, an AI chatbot for customer inquiries.")
    plain = C.classify("Garage management SaaS", "Features: bookings, invoices, a chatbot for customer inquiries.")
    assert ai.ai_score > plain.ai_score and not plain.is_ai, (ai.reason, plain.reason)


def test_classical_ml_algorithms_are_ml_evidence() -> None:
    r = C.classify("Malware detection research", "Compare decision trees, SVM and random forest classifiers.")
    assert r.is_ai and r.ai_kind == "ml", r.reason
    names = {s.name for s in r.skills}
    assert "Random Forest" in names and "Scikit-learn" not in names, names  # the post never names scikit-learn


def test_negated_mention_is_not_listed_as_a_skill() -> None:
    r = C.classify("Blog writer", "No AI content please.")
    assert "AI Content Writing" not in [s.name for s in r.skills]


@pytest.mark.parametrize(("title", "desc", "listed", "not_listed"), [
    ("Translate our app into German", "You must not use machine translation.", {"Translation"},
     {"Machine Translation"}),
    ("Website in Webflow", "We do not want WordPress. Webflow only.", {"Webflow"}, {"WordPress"}),
    ("Fix our WordPress site", "WordPress fixes, no Wix.", {"WordPress"}, {"Wix"}),
    # named plainly once is enough, even when ruled out elsewhere
    ("Shopify store setup", "Shopify, not WooCommerce; WooCommerce export of old orders.", {"Shopify", "WooCommerce"},
     set()),
    # the model a job asks for, not a neighbouring one
    ("Regression model for house prices", "Build a regression model; not a classification model.",
     {"Regression Model"}, {"Classification Model"}),
])
def test_ruled_out_and_mistyped_skills_are_not_listed(title: str, desc: str, listed: set[str],
                                                      not_listed: set[str]) -> None:
    names = {s.name for s in C.classify(title, desc).skills}
    assert listed <= names and not names & not_listed, names


@pytest.mark.parametrize(("text", "expected"), [
    ("Welcome flows in Mailchimp", {"Mailchimp"}),          # was Email Marketing
    ("Landing page in HTML/CSS", {"HTML", "CSS"}),          # was the compound HTML & CSS
    ("Connect our CRM through its API", {"API"}),           # was nothing
    ("Elementor page fixes", {"Elementor"}),                # was WordPress
    ("Notion workspace for our team", {"Notion"}),          # was Project Management
])
def test_a_skill_the_marketplace_lists_apart_is_extracted_by_its_own_name(text: str, expected: set[str]) -> None:
    """A client who writes and tags "Mailchimp" expects "Mailchimp", not the broader skill it was an alias of: where
    Upwork's own skill list names both, so does the taxonomy (scripts/build_taxonomy.py --upwork)."""
    assert expected <= {m.skill.name for m in Matcher.default().find(text)}


@pytest.mark.parametrize(("text", "expected"), [
    ("Fix crashes in our Android app", "Android"),                         # was Android Development
    ("SEO audit of our shop", "Search Engine Optimization"),                # was SEO
    ("Summarise calls with Claude", "Claude"),                              # was Claude API
    ("RAG over our contracts", "Retrieval Augmented Generation"),           # was RAG
    ("Excel macros in VBA", "Visual Basic for Applications"),               # was VBA
])
def test_a_skill_is_named_the_way_the_marketplace_names_it(text: str, expected: str) -> None:
    """Where Upwork lists a skill only under another spelling of its whole name, the skill takes that name (the
    client's tag) and keeps ours as an alias; a narrower product (AWS Lambda for AWS) is not a spelling."""
    names = {m.skill.name for m in Matcher.default().find(text)}
    assert expected in names, names
    aws = {m.skill.name for m in Matcher.default().find("Deploy it on AWS")}
    assert aws == {"Amazon Web Services"}, aws


@pytest.mark.parametrize(("text", "expected"), [
    ("Write Appium tests for our Android app", {"Appium", "Android"}),
    ("Product analytics events in Mixpanel", {"Mixpanel"}),
    ("A headless CMS on Strapi", {"Strapi", "Content management systems CMS"}),
    ("Firmware for the PIC24 board", {"PIC24", "Firmware"}),
    ("Interactive charts with Highcharts", {"Highcharts"}),
    ("We need performance optimization of our database", set()),   # everyday words Upwork also lists: left out
    ("Our team is based in Aruba", set()),                         # a place before it is Aruba Networks
    ("Kids coding class, ages 7+", set()),                         # an audience attribute in Upwork's list
])
def test_a_skill_only_the_marketplace_lists_is_extracted(text: str, expected: set[str]) -> None:
    """Products and terms of art that Upwork files under a speciality and no open taxonomy named are skills of
    their own (``upwork_additions`` in scripts/taxonomy_upwork.py); Upwork's everyday phrases, places and
    attributes are not."""
    assert {m.skill.name for m in Matcher.default().find(text)} == expected


@pytest.mark.parametrize(("text", "expected", "not_expected"), [
    ("Scrape prices with Puppeteer", {"Puppeteer"}, {"Playwright"}),          # was Playwright
    ("Tokenise the corpus with NLTK", {"NLTK"}, {"spaCy"}),                    # was spaCy
    ("Map the parcels in ArcGIS", {"ArcGIS"}, {"Geospatial Analysis"}),       # was Geospatial Analysis
    ("Dashboards in Grafana", {"Grafana"}, {"Infrastructure Monitoring"}),     # was Infrastructure Monitoring
    ("Train a random forest on churn", {"Random Forest"}, {"Scikit-learn"}),   # was Scikit-learn
    ("Wireframing for our app", {"Wireframe"}, {"Wireframing"}),              # two spellings, one skill
    ("Backend in Go, then Golang", {"Golang"}, {"Go"}),                       # two spellings, one skill
    ("Fine-tune Llama with LoRA adapters", {"Fine-Tuning"}, {"LoRa"}),         # not the radio protocol
])
def test_a_product_the_marketplace_lists_is_its_own_skill_and_a_spelling_is_not(
        text: str, expected: set[str], not_expected: set[str]) -> None:
    """Where Upwork lists an alias but not the skill it belongs to, a product (other words, not an abbreviation)
    becomes a skill of its own; spellings (Golang, Wireframing) stay one skill, so demand is not split in two."""
    names = {m.skill.name for m in Matcher.default().find(text)}
    assert expected <= names and not names & not_expected, names


def test_category_kept_when_given_and_inferred_otherwise() -> None:
    assert C.classify("Logo design", category="My Category").category == "My Category"
    assert C.classify("QuickBooks bookkeeping for a small shop").category == "Accounting & Consulting"
    assert C.classify("Translate our app to Spanish").category == "Translation"


@pytest.mark.parametrize("text", ["", "   ", None, float("nan"), "<div>&nbsp;&amp;</div>", "🚀🔥✅" * 50,
                                  "Necesitamos un desarrollador de Python para un chatbot con IA",
                                  "需要开发一个网站", "x" * 1_000_000, "Python " * 200_000])
def test_bad_text_never_crashes(text: object) -> None:
    r = C.classify(text, text, text)
    assert 0.0 <= r.ai_score <= 1.0 and isinstance(r.reason, str)


def test_classify_dataframe_keeps_order_and_rejects_missing_title() -> None:
    df = pd.DataFrame({"job_id": ["b", "a"], "title": ["Logo", "Fine-tune Llama 3"], "description": [None, ""]})
    out = classify(df)
    assert out.job_id.tolist() == ["b", "a"] and out.is_ai.tolist() == [False, True]
    with pytest.raises(gigsight.GigsightError, match="no title column"):
        classify(pd.DataFrame({"job_id": ["1"], "name": ["x"]}))


def test_jobs_classify_cli(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.csv"
    src.write_text('{"job_id": "9", "title": "Label images for AI training", "description": ""}\n'
                   '{"job_id": "3", "title": "Bookkeeping in Xero", "description": null, '
                   '"skills": "Xero|Accounting"}\n')
    res = CliRunner().invoke(app, ["jobs", "classify", "--input", str(src), "--output", str(dst)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(dst.open()))
    assert [r["job_id"] for r in rows] == ["9", "3"]
    assert rows[0]["is_ai"] == "1" and rows[0]["ai_kind"] == "data_annotation"
    assert rows[1]["is_ai"] == "0" and rows[1]["skills"] == "Bookkeeping|Xero|Accounting"
    assert rows[1]["ai_kind"] == "" and rows[1]["category"] == "Accounting & Consulting"  # empty, never "nan"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,x\n")
    res = CliRunner().invoke(app, ["jobs", "classify", "--input", str(bad), "--output", str(dst)])
    assert res.exit_code == 1 and "bad.csv: missing column job_id, title" in str(res.exception)


def test_enrich_recovers_planted_ai_share_and_feeds_kpis(tmp_path: Path) -> None:
    store = gigsight.connect(str(tmp_path / "e.duckdb"))
    try:
        gigsight.simulate(store, "seed-q3", scale=0.005, validate=False)
        first = gigsight.enrich(store)
        again = gigsight.enrich(store)
        assert first.classified == first.jobs and again.reused == again.jobs and again.classified == 0
        mine = tmp_path / "mine.csv"  # another taxonomy makes every label out of date
        mine.write_text("skill_id,name,category,is_ai,ai_kind,aliases\nacme,AcmeLLM,Writing,1,llm_apps,acme gpt\n")
        assert gigsight.enrich(store, taxonomy=mine).classified == first.jobs
        assert gigsight.enrich(store).classified == first.jobs
        con = store.con
        truth, lab = con.table("truth_jobs"), con.table("job_labels")
        df = truth.join(lab, "job_id").select(t=truth.is_ai, p=lab.is_ai).to_pandas()
        assert len(df) == first.jobs
        assert abs(df.p.mean() - df.t.mean()) < 0.01  # planted AI share recovered within 1 pp
        assert (df.p == df.t).mean() > 0.98
        # the KPI engine now reads the labels: clearing the planted flag does not change ai_jobs
        before = gigsight.compute("ai_jobs", period="year", con=store)
        con.raw_sql("UPDATE jobs SET is_ai = NULL")
        after = gigsight.compute("ai_jobs", period="year", con=store)
        assert before.ai_jobs.tolist() == after.ai_jobs.tolist() and sum(after.ai_jobs) > 0
        assert {"skills", "job_skills", "freelancer_profile"} <= set(store.tables())
    finally:
        store.close()
