"""Did the levels hold? (repodigest.analytics.track_record) on a frame whose outcomes are set by hand,
and its figures."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from repodigest import analytics
from repodigest.charts import history as figures
from repodigest.errors import UserError
from repodigest.i18n import strings

TIP = pd.Timestamp("2026-06-30T12:00:00Z")


def commit(
    n: int, level: str, days_ago: float, *, fixed: float | None = None, reverted: float | None = None, score: int = 50
) -> dict:
    """One commit ``days_ago`` before the tip, fixed and/or reverted that many days after it landed;
    outcomes seen up to the tip (``horizon_days=None``)."""
    first = min((d for d in (fixed, reverted) if d is not None), default=None)
    return {
        "repo": "demo",
        "sha": f"{n:040x}",
        "short_sha": f"{n:07x}",
        "day": "",
        "title": f"change {n}",
        "author": "Ann",
        "committed_at": TIP - timedelta(days=days_ago),
        "level": level,
        "rules_level": level,
        "score": score,
        "later_fixed": fixed is not None,
        "fixed_by": ["f" * 40] if fixed is not None else [],
        "later_reverted": reverted is not None,
        "reverted_by": ["r" * 40] if reverted is not None else [],
        "days_to_fix": first,
        "outcome_horizon": TIP,
    }


@pytest.fixture
def frame() -> pd.DataFrame:
    """high: 10 known (3 fixed, 1 reverted), 2 open (one already fixed); medium: 20 known, 1 fixed after
    120 days (outside the period: clean); low: 5 known, one reverted open commit."""
    rows = [
        commit(i, "high", 200 + i, fixed=5.0 if i < 3 else None, reverted=2.0 if i == 3 else None) for i in range(10)
    ]
    rows += [commit(10, "high", 30, fixed=3.0), commit(11, "high", 10)]
    rows += [commit(20 + i, "medium", 150 + i, fixed=120.0 if i == 0 else None) for i in range(20)]
    rows += [commit(50 + i, "low", 100 + i) for i in range(5)] + [commit(60, "low", 20, reverted=1.0)]
    frame = pd.DataFrame(rows).sample(frac=1, random_state=0).reset_index(drop=True)
    frame["day"] = frame["committed_at"].dt.strftime("%Y-%m-%d")
    return frame


def test_counts_shares_and_wilson_intervals_per_level(frame):
    table = analytics.track_record(frame)
    assert table["level"].tolist() == ["high", "medium", "low"]
    high, medium, low = (table.iloc[i] for i in range(3))
    assert (high["commits"], high["went_wrong"], high["fixed"], high["reverted"], high["open"]) == (10, 4, 3, 1, 2)
    assert high["share"] == pytest.approx(0.4)
    assert (high["ci_low"], high["ci_high"]) == pytest.approx((0.1682, 0.6873), abs=1e-4)  # Wilson 4/10
    assert (medium["commits"], medium["went_wrong"], medium["share"]) == (20, 0, 0.0)  # fixed after 120 days
    assert (low["commits"], low["went_wrong"], low["open"]) == (5, 0, 1)
    assert (low["ci_low"], low["ci_high"]) == pytest.approx((0.0, 0.4345), abs=1e-4)  # Wilson 0/5


def test_open_commits_are_left_out_even_when_already_fixed(frame):
    table = analytics.track_record(frame.assign(level="all"), by="level")
    assert table.loc[0, "commits"] == 35 and table.loc[0, "open"] == 3 and table.loc[0, "went_wrong"] == 4


def test_last_days_keeps_the_newest_known_commits(frame):
    table = analytics.track_record(frame, last_days=60).set_index("level")
    assert table["commits"].to_dict() == {"high": 0, "medium": 10, "low": 5}  # known up to 100 days ago


def test_outcomes_bounded_at_90_days_read_the_same(frame):
    bounded = frame.assign(outcome_horizon=[min(TIP, at + timedelta(days=90)) for at in frame["committed_at"]])
    pd.testing.assert_frame_equal(analytics.track_record(bounded), analytics.track_record(frame))


def test_auc_of_a_perfect_a_reversed_a_constant_and_a_random_score(frame):
    known = frame[frame["committed_at"] <= TIP - timedelta(days=90)]
    wrong = known["days_to_fix"].le(90)
    assert analytics.discrimination(known.assign(s=wrong.astype(int)), "s") == 1.0
    assert analytics.discrimination(known.assign(s=-wrong.astype(int)), "s") == 0.0
    assert analytics.discrimination(known.assign(s=7), "s") == 0.5
    rng = np.random.default_rng(0)
    big = pd.concat([frame] * 40, ignore_index=True).assign(s=lambda f: rng.random(len(f)))
    assert analytics.discrimination(big, "s") == pytest.approx(0.5, abs=0.06)
    assert np.isnan(analytics.discrimination(frame.assign(later_fixed=False, later_reverted=False)))


def test_misses_are_low_commits_later_reverted_or_fixed_newest_first(frame):
    rows = [
        commit(70, "low", 300, fixed=10.0),
        commit(71, "low", 250, reverted=4.0),
        commit(72, "medium", 240, reverted=1.0),
    ]
    more = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    missed = analytics.misses(more)
    assert missed["short_sha"].tolist() == [f"{60:07x}", f"{71:07x}", f"{70:07x}"]
    assert missed["outcome"].tolist() == ["reverted", "reverted", "fixed"]
    assert analytics.misses(more, fixed=False)["short_sha"].tolist() == [f"{60:07x}", f"{71:07x}"]


def test_calibration_bins_compare_predicted_and_observed(frame):
    known = frame[frame["committed_at"] <= TIP - timedelta(days=90)].copy()
    known["risk"] = np.where(known["days_to_fix"].le(90), 0.8, 0.1)
    table = analytics.calibration(known, bins=2)
    assert table["commits"].tolist() == [18, 17]
    assert table["observed"].iloc[-1] == pytest.approx(4 / 17) and table["predicted"].iloc[0] == pytest.approx(0.1)


def test_figures_draw_the_tables_in_both_languages(frame):
    table = analytics.track_record(frame)
    for lang in ("en", "zh"):
        bars = figures.track_record_figure(table, lang=lang).data[0]
        assert list(bars.y) == pytest.approx([0.4, 0.0, 0.0])
        assert bars.x[0].startswith(strings(lang)["level_word_high"]) and bars.x[0].endswith("4/10")
        assert bars.error_y.array[0] == pytest.approx(0.6873 - 0.4, abs=1e-4)
    risky = frame.assign(risk=np.linspace(0.01, 0.5, len(frame)))
    curve = figures.calibration_figure(analytics.calibration(risky), lang="zh")
    assert [t.name for t in curve.data] == [strings("zh")["history"]["perfect"], strings("zh")["history"]["observed"]]
    assert figures.track_record_figure(analytics.track_record(frame.head(0))).data == ()


def test_every_history_word_is_in_both_languages():
    assert set(strings("en")["history"]) == set(strings("zh")["history"])


def test_a_frame_without_outcomes_says_how_to_get_them(frame):
    with pytest.raises(UserError, match="outcomes=True"):
        analytics.track_record(frame.drop(columns=["outcome_horizon"]))
