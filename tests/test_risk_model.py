"""The risk model learned from a repository's history (repodigest.evidence.risk_model): what it trains on,
how it is evaluated, and its levels. The frame is built here with a known rule for what goes wrong."""

import sys
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from repodigest import analytics
from repodigest.errors import UserError
from repodigest.evidence import InsufficientHistory, fit_risk_model, roc_auc
from repodigest.evidence.labels import outcome_known

START = pd.Timestamp("2023-01-01T09:00:00Z")
CUTOFF = "2024-08-01"
PATHS = [f"{top}/{sub}/f{i}.py" for top in ("core", "io", "net", "docs") for sub in ("a", "b") for i in range(5)]
AUTHORS = ["ann", "bob", "cid", "dan", "eve", "fay"]


def history(days: int = 720, seed: int = 3, signal: float = 1.2) -> pd.DataFrame:
    """Two commits a day; each later fixed with a chance that grows with its lines added (``signal``);
    the rules' score is a noisy reading of the same size. Outcomes are seen up to the last commit."""
    rng = np.random.default_rng(seed)
    rows = []
    tip = START + timedelta(hours=12 * (2 * days - 1))
    for i in range(2 * days):
        at = START + timedelta(hours=12 * i)
        paths = list(rng.choice(PATHS, size=int(rng.integers(1, 5)), replace=False))
        added = [int(rng.lognormal(2.5, 1.3)) for _ in paths]
        deleted = [int(a * rng.uniform(0, 0.5)) for a in added]
        la, ld = sum(added), sum(deleted)
        source = [not p.startswith("docs/") for p in paths]
        wrong = rng.random() < 1 / (1 + np.exp(-(signal * np.log1p(la) - 7.5)))
        days_to_fix = float(rng.uniform(1, 60)) if wrong else np.nan
        score = int(np.clip(8 * np.log1p(la) + rng.normal(0, 20), 0, 100))
        rows.append(
            {
                "repo": "demo",
                "sha": f"{i:040x}",
                "title": f"change {i}",
                "committed_at": at,
                "author": AUTHORS[i % 6],
                "author_login": None,
                "file_count": len(paths),
                "lines_added": la,
                "lines_deleted": ld,
                "source_file_count": sum(source),
                "source_lines_added": sum(a for a, s in zip(added, source) if s),
                "source_lines_deleted": sum(d for d, s in zip(deleted, source) if s),
                "directories": len({p.rsplit("/", 1)[0] for p in paths}),
                "subsystems": len({p.split("/")[0] for p in paths}),
                "entropy": 0.5 if len(paths) > 1 else 0.0,
                "is_fix": bool(i % 7 == 0),
                "change_type": "fix" if i % 7 == 0 else "feat",
                "file_changes": [
                    {
                        "path": p,
                        "old_path": None,
                        "status": "modified",
                        "added": a,
                        "deleted": d,
                        "binary": False,
                        "area": p.split("/")[0],
                    }
                    for p, a, d in zip(paths, added, deleted)
                ],
                "score": score,
                "rules_level": "high" if score >= 40 else "medium" if score >= 20 else "low",
                "reasons": [{"code": "type", "detail": "feat", "points": 14.0}]
                + ([{"code": "public_api", "detail": paths[0], "points": 8.0}] if i % 5 == 0 else []),
                "later_fixed": bool(wrong),
                "later_reverted": False,
                "days_to_fix": days_to_fix,
                "outcome_horizon": tip,
                "status": None,
            }
        )
    frame = pd.DataFrame(rows).iloc[::-1].reset_index(drop=True)  # newest first, as the frame lists them
    frame["level"] = frame["rules_level"]
    return frame


@pytest.fixture(scope="module")
def frame():
    return history()


@pytest.fixture(scope="module")
def model(frame):
    return fit_risk_model(frame, CUTOFF, test_months=3, max_test_months=4)


def test_the_model_never_reads_an_outcome_after_the_cutoff(frame, model):
    cutoff = pd.Timestamp(CUTOFF, tz="UTC")
    trained = model.trained_on
    assert (trained["observed_until"] <= cutoff).all()
    assert set(trained["sha"]) == set(frame.loc[frame["committed_at"] < cutoff, "sha"]) and len(trained) > 1100
    # Whatever happened on or after the cut-off is turned around: fixes seen then vanish, commits clean
    # until then are fixed the day after, later commits change their sizes and scores. The same model.
    first_fix = frame["committed_at"] + pd.to_timedelta(frame["days_to_fix"], unit="D")
    fixed_late = frame["later_fixed"] & (first_fix >= cutoff)
    clean_then = ~frame["later_fixed"] & (frame["committed_at"] < cutoff)
    after = frame["committed_at"] >= cutoff
    assert fixed_late.sum() > 10 and clean_then.sum() > 500 and after.sum() > 100
    poisoned = frame.copy()
    poisoned.loc[fixed_late, ["later_fixed", "days_to_fix"]] = [False, np.nan]
    poisoned.loc[clean_then, "later_fixed"] = True
    poisoned.loc[clean_then, "days_to_fix"] = (cutoff + timedelta(days=1) - frame["committed_at"]) / timedelta(days=1)
    poisoned.loc[after, "score"] = 100 - frame.loc[after, "score"]
    poisoned.loc[after, "source_lines_added"] = 1
    again = fit_risk_model(poisoned, CUTOFF, test_months=3, max_test_months=4)
    assert np.array_equal(again.coef, model.coef) and again.intercept == model.intercept
    assert again.thresholds == model.thresholds


def test_young_commits_weigh_the_days_they_were_observed(frame, model):
    cutoff = pd.Timestamp(CUTOFF, tz="UTC")
    trained = model.trained_on.set_index("sha")
    age = (cutoff - trained["committed_at"]) / timedelta(days=90)
    assert trained["weight"].to_numpy() == pytest.approx(age.clip(upper=1).to_numpy())
    young = age < 1
    assert young.sum() > 150 and (trained.loc[~young, "weight"] == 1).all()
    # A young commit counts as gone wrong only when its first fix came before the cut-off.
    rows = frame.set_index("sha").loc[trained.index[young]]
    fixed_by_then = rows["later_fixed"] & (
        rows["committed_at"] + pd.to_timedelta(rows["days_to_fix"], unit="D") < cutoff
    )
    assert trained.loc[young, "went_wrong"].equals(fixed_by_then.astype(bool))
    assert 0 < fixed_by_then.sum() < rows["later_fixed"].sum()


def test_each_held_out_month_is_predicted_by_a_model_trained_before_it(frame, model):
    months = model.evaluation["months"]
    assert 3 <= len(months) <= 4 and [m["month"] for m in months][:3] == ["2024-04", "2024-03", "2024-02"]
    for month in months:
        start = pd.Timestamp(month["month"] + "-01", tz="UTC")
        before = (frame["committed_at"] < start).sum()
        assert month["train"] == before  # the month's own commits unseen, the younger ones as known then
    held = model.evaluation["held_out"]
    assert len(held) == model.evaluation["test"] == sum(m["commits"] for m in months)
    by_level = analytics.track_record(held, by="model_level")  # the learned levels on months they did not see
    assert by_level["commits"].sum() == len(held) and by_level["went_wrong"].sum() == held["went_wrong"].sum()


def test_the_model_learns_what_the_rules_read_with_noise(model):
    evaluation = model.evaluation
    assert evaluation["test_went_wrong"] >= 10
    assert evaluation["model_auc"] > evaluation["rules_auc"] and model.beats_rules
    assert evaluation["lines_auc"] > 0.75
    assert model.coefficients().index[0] == "la_src"


def test_risk_is_a_probability_at_the_training_rate(frame, model):
    risk = model.predict(frame).set_axis(frame["sha"])
    trained = model.trained_on
    assert risk.between(0, 1).all() and risk.name == "risk"
    weighted = np.average(trained["went_wrong"], weights=trained["weight"])
    assert np.average(risk[trained["sha"]], weights=trained["weight"]) == pytest.approx(weighted, abs=0.02)


def test_learned_levels_keep_the_rules_shares(frame, model):
    trained = frame[frame["sha"].isin(model.trained_on["sha"])]
    learned = model.levels(trained).value_counts()
    rules = trained["rules_level"].value_counts()
    for level in ("high", "medium", "low"):
        assert abs(learned[level] - rules[level]) <= 2, level


def test_too_little_history_is_a_clear_error(frame):
    with pytest.raises(InsufficientHistory, match="too little history"):
        fit_risk_model(frame.assign(later_fixed=False), CUTOFF)
    with pytest.raises(InsufficientHistory):  # nothing is settled before the first commit
        fit_risk_model(frame, "2023-01-01")


def test_without_scikit_learn_fitting_names_the_extra_and_predicting_still_works(frame, model, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    with pytest.raises(UserError, match=r"pip install 'repodigest\[risk\]'"):
        fit_risk_model(frame, CUTOFF)
    assert model.predict(frame.head(5)).notna().all()


def test_rank_auc_equals_scikit_learns(monkeypatch):
    rng = np.random.default_rng(1)
    y, s = rng.random(300) < 0.2, rng.integers(0, 10, 300)  # many ties
    expected = roc_auc(y, s)
    monkeypatch.setitem(sys.modules, "sklearn.metrics", None)
    assert roc_auc(y, s) == pytest.approx(expected, abs=1e-12)
    assert roc_auc([True, False], [1, 0]) == 1.0 and np.isnan(roc_auc([True, True], [1, 0]))


def test_known_means_the_whole_period_was_observed(frame):
    tip = frame["committed_at"].max()
    known = outcome_known(frame)
    assert known.equals(frame["committed_at"] + timedelta(days=90) <= tip)
