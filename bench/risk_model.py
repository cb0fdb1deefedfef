"""Did the levels hold, and does a model learned from the repository's own history rank risk better?

    python bench/risk_model.py [--no-replay] [--ruff-months N]

Needs ``../shared/data`` (skipped with a message without it) and scikit-learn (``repodigest[risk]``).
Measured in this one run:

1. pytest (``pytest-since-2021.git.tar.gz``, a real shallow bare clone, unpacked to a temporary folder):
   its whole first-parent history loaded (``repodigest.explore.load_range``, UTC) and labelled
   (``label_outcomes``, 90-day horizon) cold and warm;
2. the track record per level (``analytics.track_record``): all closed history, and the daily report's
   line (the last 90 days whose outcome is known); the ROC AUC of the rules' score and of lines changed;
3. the learned model (``fit_risk_model``) as the daily report would fit it the day after the tip: its
   held-out months, the AUCs of model, rules and lines on them, the learned levels' track record
   there, calibration; then, on a longer evaluation (36 held-out months, for enough commits that went
   wrong), what helps: feature sets, regularisation, months of training, with a paired bootstrap
   interval of the model's AUC minus the rules';
4. the ruff history replayed from ``ruff-2023-08-to-2026-07.jsonl.gz`` (``bench/corpus.py``: real
   paths, titles, authors, dates and line counts, synthetic line contents, so a fix's deleted lines
   are the oldest lines of its files and SZZ's blame only approximates the real one), its last
   ``--ruff-months`` (12) months: the same track record and model evaluation.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TARBALL = DATA / "pytest-since-2021.git.tar.gz"
RUFF = DATA / "ruff-2023-08-to-2026-07.jsonl.gz"
HORIZON = 90
MARK = {"high": "🔴", "medium": "🟡", "low": "🟢"}


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def labelled_frame(path: Path, first: str, last: str, cache_dir: Path):
    """The commit frame of ``first .. last`` with the outcome columns, and the seconds each step took."""
    from repodigest.cache import Cache
    from repodigest.evidence import label_outcomes, outcome_table
    from repodigest.explore import load_range

    digest, load_s = timed(lambda: load_range(first, last, repos=[str(path)], tz="UTC", progress=False))
    shas = digest.frame["sha"].tolist()
    cache = Cache(cache_dir)
    outcomes, cold_s = timed(lambda: label_outcomes(path, shas, horizon_days=HORIZON, cache=cache, progress=False))
    _, warm_s = timed(lambda: label_outcomes(path, shas, horizon_days=HORIZON, cache=cache, progress=False))
    # The window's own revert relation is replaced by the outcome's (the lead reconciles the two).
    frame = digest.frame.drop(columns=["reverted_by"]).join(outcome_table(outcomes), on="sha")
    s = outcomes.stats
    print(
        f"   {len(frame)} commits loaded in {load_s:.1f} s; labelled {s.labelled} ({s.fix_commits} fix commits, "
        f"{s.blamed_files} files blamed) cold {cold_s:.1f} s, warm {warm_s:.2f} s"
    )
    return frame


def show_track_record(frame: pd.DataFrame, title: str, last_days: float | None = None, by: str = "level") -> None:
    from repodigest import analytics

    table = analytics.track_record(frame, by=by, last_days=last_days)
    cells = [
        f"{MARK[r[by]]} {r['share']:.1%} [{r['ci_low']:.1%}, {r['ci_high']:.1%}] ({r['went_wrong']}/{r['commits']})"
        for _, r in table.iterrows()
    ]
    print(f"   {title}: {'; '.join(cells)}; open {int(table['open'].sum())}")


def aucs(frame: pd.DataFrame) -> str:
    from repodigest import analytics

    lines = frame.assign(lines=frame["lines_added"] + frame["lines_deleted"])
    return (
        f"ROC AUC: score {analytics.discrimination(frame):.3f}, lines changed "
        f"{analytics.discrimination(lines, 'lines'):.3f}"
    )


def paired_bootstrap(held: pd.DataFrame, rounds: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% interval of AUC(risk) - AUC(score) over the held-out commits, resampled with replacement."""
    from repodigest.evidence import roc_auc

    rng = np.random.default_rng(seed)
    y, risk, score = (held[c].to_numpy() for c in ("went_wrong", "risk", "score"))
    y = y.astype(bool)
    diffs = []
    for _ in range(rounds):
        pick = rng.integers(0, len(y), len(y))
        if 0 < y[pick].sum() < len(pick):
            diffs.append(roc_auc(y[pick], risk[pick]) - roc_auc(y[pick], score[pick]))
    return float(np.quantile(diffs, 0.025)), float(np.quantile(diffs, 0.975))


def model_report(frame: pd.DataFrame, cutoff: str, variants: bool) -> None:
    from repodigest import analytics
    from repodigest.evidence import change_metrics, fit_risk_model

    metrics, metrics_s = timed(lambda: change_metrics(frame))
    model, fit_s = timed(lambda: fit_risk_model(frame, cutoff, metrics=metrics))
    e = model.evaluation
    print(
        f"   Kamei's metrics of {len(frame)} commits {metrics_s:.2f} s; fit and evaluation {fit_s:.2f} s "
        f"(trained on {e['train']} commits, {e['train_went_wrong']} went wrong)"
    )
    print(
        f"   held out {', '.join(m['month'] for m in e['months'])}: {e['test']} commits, {e['test_went_wrong']} "
        f"went wrong; ROC AUC model {e['model_auc']:.3f}, rules {e['rules_auc']:.3f}, lines {e['lines_auc']:.3f}; "
        f"beats the rules: {e['beats_rules']}"
    )
    for m in e["months"]:
        print(
            f"     {m['month']}: {m['commits']} commits, {m['went_wrong']} went wrong, trained on {m['train']}; "
            f"AUC model {m['model_auc']:.2f}, rules {m['rules_auc']:.2f}"
        )
    held = e["held_out"]
    show_track_record(held, "held out, rules' levels", by="rules_level")
    show_track_record(held, "held out, learned levels", by="model_level")
    table = analytics.calibration(held, bins=5)
    print(
        "   calibration (held out): "
        + "; ".join(f"predicted {r.predicted:.1%} observed {r.observed:.1%} ({r.commits})" for r in table.itertuples())
    )
    print("   largest coefficients: " + ", ".join(f"{k} {v:+.2f}" for k, v in model.coefficients().head(6).items()))
    if not variants:
        return
    print("   what helps (36 held-out months, each predicted by a model trained before it):")
    grid = [(f, c, None) for f in ("kamei", "rules", "all") for c in (0.01, 0.1, 1.0)] + [
        ("all", 0.1, 12),
        ("all", 0.1, 24),
    ]
    for features, C, months in grid:
        fitted = fit_risk_model(
            frame,
            cutoff,
            features=features,
            C=C,
            train_months=months,
            metrics=metrics,
            test_months=36,
            max_test_months=36,
        )
        v = fitted.evaluation
        line = (
            f"     features {features:5s} C={C:<4} training {months or 'all':>3} months: model {v['model_auc']:.3f}, "
            f"rules {v['rules_auc']:.3f}, lines {v['lines_auc']:.3f} ({v['test']} commits, "
            f"{v['test_went_wrong']} went wrong)"
        )
        if (features, C, months) == ("all", 0.1, None):
            low, high = paired_bootstrap(v["held_out"])
            line += f"; model - rules 95% interval [{low:+.3f}, {high:+.3f}]"
        print(line)


def unpack(into: Path) -> Path:
    import tarfile

    with tarfile.open(TARBALL) as archive:
        archive.extractall(into, filter="data")
    return next(p for p in into.iterdir() if (p / "HEAD").is_file())


def replay_ruff(into: Path, months: int) -> tuple[Path, str, str, str]:
    """The last ``months`` months of the ruff data replayed as a git repository."""
    from corpus import from_jsonl

    with gzip.open(RUFF, "rt", encoding="utf-8") as lines:
        commits = [json.loads(line) for line in lines if line.strip()]
    last = max(c["commit"]["committer"]["date"] for c in commits)[:10]
    first = (pd.Period(last[:7], "M") - (months - 1)).start_time.date().isoformat()
    kept = [c for c in commits if c["commit"]["committer"]["date"][:10] >= first]
    source = into / "ruff-slice.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in kept))
    built, build_s = timed(lambda: from_jsonl(source, into / "ruff-replay"))
    return built, first, last, f"{len(kept)} commits replayed in {build_s:.0f} s"


def main(replay: bool = True, ruff_months: int = 12) -> None:
    if not DATA.is_dir():
        print(f"skipped: {DATA} is not there (the shared data sets)")
        return
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("skipped: the learned model needs scikit-learn: pip install 'repodigest[risk]'")
        return
    with tempfile.TemporaryDirectory(prefix="risk-bench-") as tmp:
        tmp = Path(tmp)
        os.environ["REPODIGEST_CACHE_DIR"] = str(tmp / "load-cache")
        clone = unpack(tmp)
        dates = subprocess.run(
            ["git", "-C", str(clone), "log", "--first-parent", "--format=%cs", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(f"1. pytest, first-parent line {dates[-1]} .. {dates[0]}, {os.cpu_count()} cores, horizon {HORIZON} days")
        frame = labelled_frame(clone, dates[-1], dates[0], tmp / "szz")
        print("\n2. did the levels hold? (rules' levels; known outcomes only)")
        show_track_record(frame, "all closed history")
        show_track_record(frame, "the report's line (last 90 days whose outcome is known)", last_days=90)
        print(f"   {aucs(frame)}")
        cutoff = (pd.Timestamp(dates[0]) + timedelta(days=1)).date().isoformat()
        print(f"\n3. the learned model, fitted as on {cutoff} (outcomes known before it):")
        model_report(frame, cutoff, variants=True)
        if not replay:
            return
        built, first, last, what = replay_ruff(tmp, ruff_months)
        print(f"\n4. ruff replay {first} .. {last} ({what}; synthetic contents: SZZ approximate)")
        ruff = labelled_frame(built, first, last, tmp / "szz-ruff")
        show_track_record(ruff, "all closed history")
        print(f"   {aucs(ruff)}")
        model_report(ruff, (pd.Timestamp(last) + timedelta(days=1)).date().isoformat(), variants=False)


if __name__ == "__main__":
    args = sys.argv[1:]
    months = int(args[args.index("--ruff-months") + 1]) if "--ruff-months" in args else 12
    main(replay="--no-replay" not in args, ruff_months=months)
