"""Job labelling on Spark's executors: the classifier travels to the workers inside the task, jobs go through it in
Arrow batches (``mapInArrow``), and the labels and job skills are written by the executors as Parquet. No job
passes through the driver, so its memory does not grow with the number of jobs, and the work spreads over every
core the cluster gives.

Each executor runs :func:`gigsight.skills.job_labels.label_batch`, the same step DuckDB and Postgres stores run in
this process, so the labels agree byte for byte. A job whose inputs did not change since its previous labels is
not classified again: its old labels and skills are carried over by Spark. If any task fails, nothing has been
written to the store's tables yet (the caller replaces them afterwards), so the previous labels stay in place.

On a cluster, every worker needs gigsight installed (the same version as the driver) and the store's temporary
folder (``TMPDIR``) must be a mount every worker can write (local mode shares the machine's disk).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from gigsight.backends.base import Store
from gigsight.errors import BackendError
from gigsight.skills.classify import Classifier
from gigsight.skills.job_labels import JOB_COLUMNS, LABEL_COLUMNS, LABEL_SCHEMA, label_batch

JOBS_PER_TASK = 25_000  # small enough for a moving progress bar, large enough that task start-up is noise
STAGED = pa.schema([*LABEL_SCHEMA, ("kept", pa.bool_()), ("skill_ids", pa.list_(pa.string()))])
STAGED_DDL = ("job_id string, is_ai boolean, ai_kind string, ai_score double, category_inferred string, "
              "category_confidence double, category_source string, reason string, fingerprint string, "
              "kept boolean, skill_ids array<string>")


def labeller(c: Classifier, version: str) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each executor applies to its jobs' batches: one output row per job, labelled, or ``kept``
    (only its id) when its previous labels stand; its skills as a list.

    >>> f = labeller(Classifier.default(), "v1")
    >>> jobs = pa.record_batch({"job_id": ["j1"], "title": ["Build a RAG chatbot"], "description": [""],
    ...                         "skills": [""], "category": [None], "prev_fingerprint": [None]})
    >>> row = next(f(iter([jobs]))).to_pylist()[0]
    >>> row["is_ai"], row["kept"], row["skill_ids"]
    (True, False, ['rag'])
    """
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            done = label_batch(c, version, b.to_pydict())
            skills: dict[str, list[str]] = {}
            for jid, sid in done.skills:
                skills.setdefault(jid, []).append(sid)
            n_kept = len(done.kept)
            cols: dict[str, list[Any]] = {k: v + [None] * n_kept for k, v in done.labels.items()}
            cols["job_id"] = done.labels["job_id"] + done.kept
            cols["kept"] = [False] * len(done.labels["job_id"]) + [True] * n_kept
            cols["skill_ids"] = [skills.get(j, []) for j in done.labels["job_id"]] + [[]] * n_kept
            yield pa.RecordBatch.from_pydict(cols, schema=STAGED)
    return run


def label_on_spark(store: Store, c: Classifier, version: str, out: Path,
                   advance: Callable[[int], None]) -> tuple[Path, Path, int, int]:
    """Label the jobs of a Spark store on its executors: the label and job-skill Parquet folders under ``out``,
    and how many jobs were classified and how many kept their labels."""
    from pyspark.sql import functions as F

    spark = store.con._session
    jobs = spark.table("jobs").select(*JOB_COLUMNS)
    previous = _previous_labels(spark)
    if previous is None:
        jobs = jobs.withColumn("prev_fingerprint", F.lit(None).cast("string"))
    else:
        jobs = jobs.join(previous.select("job_id", F.col("fingerprint").alias("prev_fingerprint")), "job_id", "left")
    n_jobs = jobs.count()
    parts = max(2 * spark.sparkContext.defaultParallelism, -(-n_jobs // JOBS_PER_TASK))
    staged_at = out / "staged"
    with _TaskProgress(spark, n_jobs, advance):
        try:
            (jobs.repartition(parts).mapInArrow(labeller(c, version), STAGED_DDL)
             .write.mode("overwrite").parquet(str(staged_at)))
        except Exception as exc:  # a worker's failure reaches the driver as a JVM error with the Python trace
            last = [line for line in str(exc).strip().splitlines() if line.strip()]
            raise BackendError(f"labelling jobs on Spark failed, previous labels kept: "
                               f"{last[-1] if last else type(exc).__name__}") from None
    staged = spark.read.parquet(str(staged_at))
    fresh = staged.filter(~staged.kept)
    labels = fresh.select(*LABEL_COLUMNS)
    skills = fresh.select("job_id", F.explode("skill_ids").alias("skill_id"), F.lit("enrich").alias("source"))
    counts = staged.groupBy("kept").count().collect()
    reused = sum(int(r["count"]) for r in counts if r["kept"])
    if reused and previous is not None:
        kept = staged.filter(staged.kept).select("job_id")
        labels = labels.unionByName(previous.select(*LABEL_COLUMNS).join(kept, "job_id", "left_semi"))
        old_skills = spark.table("job_skills").select("job_id", "skill_id", "source")
        skills = skills.unionByName(old_skills.join(kept, "job_id", "left_semi"))
    labels.write.mode("overwrite").parquet(str(out / "job_labels"))
    skills.write.mode("overwrite").parquet(str(out / "job_skills"))
    return out / "job_labels", out / "job_skills", n_jobs - reused, reused


def _previous_labels(spark: Any) -> Any:
    """The previous run's labels, when a run left them with fingerprints (and job skills beside them)."""
    names = {t.name for t in spark.catalog.listTables()}
    if not {"job_labels", "job_skills"} <= names:
        return None
    labels = spark.table("job_labels")
    return labels if "fingerprint" in labels.columns else None


class _TaskProgress:
    """Advance the progress bar as Spark's tasks finish (polled from the status tracker, once a second)."""

    def __init__(self, spark: Any, n_jobs: int, advance: Callable[[int], None]) -> None:
        self.sc, self.n_jobs, self.advance = spark.sparkContext, n_jobs, advance
        self.group = f"gigsight-enrich-{id(self)}"
        self.stop = threading.Event()
        self.reported = 0

    def __enter__(self) -> _TaskProgress:
        self.sc.setJobGroup(self.group, "gigsight enrich: label jobs")
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.sc.setLocalProperty("spark.jobGroup.id", None)
        if exc[0] is None:
            self.advance(self.n_jobs - self.reported)

    def _poll(self) -> None:
        tracker = self.sc.statusTracker()
        while not self.stop.wait(1.0):
            done = total = 0
            for job in tracker.getJobIdsForGroup(self.group):
                info = tracker.getJobInfo(job)
                for stage in (tracker.getStageInfo(s) for s in (info.stageIds if info else ())):
                    if stage is not None:
                        done, total = done + stage.numCompletedTasks, total + stage.numTasks
            now = self.n_jobs * done // total if total else 0
            if now > self.reported:
                self.advance(now - self.reported)
                self.reported = now
