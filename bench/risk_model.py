"""Do the levels predict? A month-by-month backtest of the rules, the learned model and lines changed alone
on real clones.

    python bench/risk_model.py [--months 6] [--rounds 1000] [--only NAME] [--variants]

Needs ``../shared/data`` (skipped with a message without it) and scikit-learn (``repodigest[risk]``).
For each clone (``pytest-since-2021``, ``pydantic-since-2022``: real shallow bare clones, unpacked to a
temporary folder), measured in this one run:

1. its whole first-parent history loaded (``repodigest.explore.load_range``, UTC) and labelled
   (``label_outcomes``, as of the clone's newest commit: later fixed or reverted within 90 days);
2. each of the last ``--months`` (6) closed months (the month's end plus 90 days is before the newest
   commit, so every outcome of its commits is known): the ROC AUC of the rules' score, of the learned
   model's risk and of lines changed alone over the month's commits, each with a bootstrap 95%
   interval (``--rounds`` resamples of those commits); the model is fitted as on the month's first day
   (``fit_risk_model``: only what was known then); the share that went wrong per level, of the rules'
   levels and of the learned levels; the commits that touch no source file, how many of them are 🔴,
   and how many are 🔴 by size alone (🔴, and below ``HIGH_AT`` without their size points);
3. the mean of each AUC over the months (a month where nothing went wrong has none), the AUCs of the
   months pooled, the CPU seconds of one fit (median over the months) and of the daily report's fit
   with its evaluation as on the day after the newest commit.

``--variants``: the learned model's mean AUC for each feature set of ``FEATURE_SETS``.
The script reads only what every version of the library has: run it on another checkout's code with
``PYTHONPATH=<checkout>/lib`` (the before/after table of docs/analytics.md: main's code before the change).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from clones import CLONES, DATA, unpacked

DAYS = 90
MARK = {"high": "🔴", "medium": "🟡", "low": "🟢"}


def labelled_frame(clone: Path, cache_dir: Path) -> pd.DataFrame:
    """The clone's whole first-parent history, scored and labelled as of its newest commit."""
    from repodigest.cache import Cache
    from repodigest.evidence import label_outcomes, outcome_table
    from repodigest.explore import load_range
    from repodigest.frame import with_outcomes

    dates = subprocess.run(
        ["git", "-C", str(clone), "log", "--first-parent", "--format=%cs", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    start = time.perf_counter()
    digest = load_range(dates[-1], dates[0], repos=[str(clone)], tz="UTC", progress=False)
    loaded = time.perf_counter() - start
    outcomes = label_outcomes(clone, digest.frame["sha"].tolist(), cache=Cache(cache_dir), progress=False)
    labelled = time.perf_counter() - start - loaded
    print(
        f"   {dates[-1]} .. {dates[0]}: {len(digest.frame)} commits loaded in {loaded:.0f} s, labelled in "
        f"{labelled:.0f} s"
    )
    return with_outcomes(digest.frame, outcome_table(outcomes))


def no_source(frame: pd.DataFrame) -> pd.Series:
    """The commits that touch no source file (scoring.paths.is_source, the labelling's rule)."""
    from repodigest.scoring.paths import is_source

    return frame["file_changes"].map(lambda files: not any(is_source(f["path"]) for f in files))


def size_points(frame: pd.DataFrame) -> pd.Series:
    return frame["reasons"].map(lambda reasons: sum(r["points"] for r in reasons if r["code"] == "size"))


def bootstrap(y: np.ndarray, score: np.ndarray, rounds: int, rng: np.random.Generator) -> tuple[float, float]:
    """95% percentile interval of the ROC AUC over ``rounds`` resamples of the commits (with replacement;
    resamples with one class only are left out); NaN without both classes."""
    from scipy.stats import rankdata

    if y.all() or not y.any():
        return float("nan"), float("nan")
    pick = rng.integers(0, len(y), (rounds, len(y)))
    ys, ranks = y[pick], rankdata(score[pick], axis=1)
    positives = ys.sum(axis=1)
    negatives = len(y) - positives
    ok = (positives > 0) & (negatives > 0)
    auc = ((ranks * ys).sum(axis=1)[ok] - positives[ok] * (positives[ok] + 1) / 2) / (positives[ok] * negatives[ok])
    low, high = np.quantile(auc, [0.025, 0.975])
    return float(low), float(high)


def shares(levels: pd.Series, wrong: pd.Series) -> str:
    cells = []
    for level in ("high", "medium", "low"):
        mine = levels == level
        n, k = int(mine.sum()), int(wrong[mine].sum())
        cells.append(f"{MARK[level]} {k}/{n}" + (f" {k / n:.0%}" if n else ""))
    return " ".join(cells)


def closed_months(frame: pd.DataFrame, count: int) -> list[pd.Period]:
    at = pd.to_datetime(frame["committed_at"], utc=True)
    newest = at.max()
    months = at.dt.tz_localize(None).dt.to_period("M").unique()
    closed = [m for m in months if pd.Timestamp(m.end_time, tz="UTC") + timedelta(days=DAYS) < newest]
    return sorted(closed)[-count:]


def backtest(frame: pd.DataFrame, months: int, rounds: int, variants: bool) -> None:
    from repodigest.evidence import change_metrics, fit_risk_model, outcome_known, roc_auc, went_wrong
    from repodigest.scoring.heuristic import HIGH_AT

    rng = np.random.default_rng(0)
    metrics = change_metrics(frame)
    month_of = pd.to_datetime(frame["committed_at"], utc=True).dt.tz_localize(None).dt.to_period("M")
    wrong, known = went_wrong(frame, DAYS), outcome_known(frame, DAYS)
    lines = (frame["lines_added"] + frame["lines_deleted"]).astype(float)
    sourceless, size = no_source(frame), size_points(frame)
    rows, pooled, fits = [], [], []
    header = (
        f"   {'month':7s} {'commits':>7s} {'wrong':>5s}  {'rules AUC':20s} {'model AUC':20s} {'lines AUC':20s}  "
        "went wrong by the rules' levels | by the learned levels | no source: commits, 🔴, 🔴 by size alone"
    )
    print(header)
    for month in closed_months(frame, months):
        inside = (month_of == month) & known
        start = pd.Timestamp(month.start_time, tz="UTC")
        cpu = time.process_time()
        model = fit_risk_model(frame, start, metrics=metrics, test_months=0, max_test_months=0)
        fits.append(time.process_time() - cpu)
        risk = model.predict(frame, metrics)
        learned = model.levels(frame, metrics, risk=risk)
        y = wrong[inside].to_numpy(dtype=bool)
        scores = {"rules": frame["score"][inside], "model": risk[inside], "lines": lines[inside]}
        row = {"month": str(month), "commits": int(inside.sum()), "wrong": int(y.sum())}
        cells = []
        for name, values in scores.items():
            auc = roc_auc(y, values)
            low, high = bootstrap(y, values.to_numpy(dtype=float), rounds, rng)
            row[name] = auc
            cells.append(f"{auc:.2f} [{low:.2f}, {high:.2f}]" if auc == auc else "–")
        mine = sourceless & inside
        red = mine & (frame["rules_level"] == "high")
        by_size = red & (frame["score"] - size < HIGH_AT)
        print(
            f"   {row['month']:7s} {row['commits']:7d} {row['wrong']:5d}  {cells[0]:20s} {cells[1]:20s} {cells[2]:20s}  "
            f"{shares(frame['rules_level'][inside], wrong[inside])} | {shares(learned[inside], wrong[inside])} | "
            f"{int(mine.sum())}, {int(red.sum())}, {int(by_size.sum())}"
        )
        rows.append(row)
        pooled.append(pd.DataFrame({"y": y, **{k: v.to_numpy(dtype=float) for k, v in scores.items()}}))
    table = pd.DataFrame(rows)
    both = pd.concat(pooled)
    means = {name: table[name].mean() for name in ("rules", "model", "lines")}
    counted = int(table["rules"].notna().sum())
    print(
        f"   mean over the {counted} months with a commit that went wrong: rules {means['rules']:.3f}, "
        f"model {means['model']:.3f}, lines {means['lines']:.3f}; the months pooled ({len(both)} commits, "
        f"{int(both['y'].sum())} went wrong): rules {roc_auc(both['y'], both['rules']):.3f}, "
        f"model {roc_auc(both['y'], both['model']):.3f}, lines {roc_auc(both['y'], both['lines']):.3f}"
    )
    tip = (pd.to_datetime(frame["committed_at"], utc=True).max() + timedelta(days=1)).date().isoformat()
    cpu = time.process_time()
    model = fit_risk_model(frame, tip, metrics=metrics)
    daily = time.process_time() - cpu
    print(
        f"   one fit: {np.median(fits):.2f} CPU s (median over the months); the daily report's fit as on {tip} "
        f"with its evaluation ({len(model.evaluation['months'])} months): {daily:.2f} CPU s; "
        f"beats the rules there: {model.beats_rules}"
    )
    if not variants:
        return
    from repodigest.evidence.risk_model import FEATURE_SETS

    for features in FEATURE_SETS:
        aucs = []
        for month in closed_months(frame, months):
            inside = (month_of == month) & known
            fitted = fit_risk_model(
                frame,
                pd.Timestamp(month.start_time, tz="UTC"),
                metrics=metrics,
                features=features,
                test_months=0,
                max_test_months=0,
            )
            aucs.append(roc_auc(wrong[inside], fitted.predict(frame, metrics)[inside]))
        print(f"   features {features:12s}: mean AUC {np.nanmean(aucs):.3f} ({', '.join(f'{a:.2f}' for a in aucs)})")


def main(months: int = 6, rounds: int = 1000, only: str | None = None, variants: bool = False) -> None:
    if not DATA.is_dir():
        print(f"skipped: {DATA} is not there (the shared data sets)")
        return
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("skipped: the learned model needs scikit-learn: pip install 'repodigest[risk]'")
        return
    import repodigest

    print(f"library: {Path(repodigest.__file__).parent}; {os.cpu_count()} cores; last {months} closed months")
    with tempfile.TemporaryDirectory(prefix="risk-bench-", dir="/tmp") as tmp:
        folder = Path(tmp)
        os.environ["REPODIGEST_CACHE_DIR"] = str(folder / "load-cache")
        for name, tarball in CLONES.items():
            if only and name != only:
                continue
            print(f"\n{name}")
            clone = unpacked(DATA / tarball, folder / name)
            frame = labelled_frame(clone, folder / f"szz-{name}")
            backtest(frame, months, rounds, variants)


if __name__ == "__main__":
    args = sys.argv[1:]

    def option(flag: str, default):
        return type(default)(args[args.index(flag) + 1]) if flag in args else default

    main(
        months=option("--months", 6),
        rounds=option("--rounds", 1000),
        only=args[args.index("--only") + 1] if "--only" in args else None,
        variants="--variants" in args,
    )
