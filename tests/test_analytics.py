"""Each analysis on a repository whose answers are known by construction (see ``history``)."""

import pandas as pd
import plotly.graph_objects as go
import pytest

from gitrepo import GitRepo
from repodigest import analytics, build_digest
from repodigest.charts import history as figures
from repodigest.explore import load_range

ANN_OLD, ANN = ("Annie", "ann@old"), ("Ann Lee", "ann@new")
BOB, CID, DAN, BOT = ("Bob", "bob@x"), ("Cid", "cid@x"), ("Dan", "dan@x"), ("dependabot[bot]", "bot@x")
HOT, A, B = "src/core/hot.py", "src/io/a.py", "src/net/b.py"
# Mondays 10:xx in Shanghai: the hot file's commits make "Mon 10:00" the busiest slot.
HOT_TIMES = ["2026-02-02T10:0{}:00+08:00", "2026-02-09T10:0{}:00+08:00", "2026-02-16T10:0{}:00+08:00"]


def build_history(path) -> GitRepo:
    """Weeks of 02-02, 02-09 and 02-16 (2026), committed in date order:

    - hot.py: 10 commits by Ann (5 under an old name and address, merged by .mailmap), 5 lines each;
    - a.py + b.py: always together, 3 commits by Bob (10 lines each) then 3 by Cid (2 lines, fixes);
    - big.py: 800 lines once (Bob), reverted once (Cid); requirements.txt: one bot commit;
    - 02-17: Dan's 500-file commit: a.py plus 499 generated files.
    """
    events = [
        ("2026-02-02T08:00:00+08:00", "chore: mailmap", {".mailmap": "Ann Lee <ann@new> Annie <ann@old>\n"}, ANN, ())
    ]
    hot = ""
    for i in range(10):
        hot += f"line {i}\n" * 5
        events.append(
            (
                HOT_TIMES[min(i // 4, 2)].format(i % 4),
                "fix: hot bug" if i == 3 else f"feat: hot step {i}",
                {HOT: hot},
                ANN_OLD if i < 5 else ANN,
                (),
            )
        )
    a = b = ""
    for i in range(6):
        who, lines = (BOB, 10) if i < 3 else (CID, 2)
        a += f"a {i}\n" * lines
        b += f"b {i}\n" * lines
        day = f"2026-02-0{3 + i}" if i < 3 else f"2026-02-1{i}"
        events.append((f"{day}T15:00:00+08:00", "feat: io" if i < 3 else "fix: io", {A: a, B: b}, who, ()))
    events += [
        ("2026-02-04T16:00:00+08:00", "feat: big", {"src/big/big.py": "x\n" * 800}, BOB, ()),
        ("2026-02-05T16:00:00+08:00", "build(deps): bump x", {"requirements.txt": "x==2\n"}, BOT, ()),
        ("2026-02-11T16:00:00+08:00", 'Revert "feat: big"', {}, CID, ("src/big/big.py",)),
        (
            "2026-02-17T11:00:00+08:00",
            "chore: generate",
            {A: a + "d\n", **{f"gen/f{i:03d}.txt": "g\n" for i in range(499)}},
            DAN,
            (),
        ),
    ]
    repo = GitRepo(path)
    for when, message, files, author, removed in sorted(events, key=lambda e: e[0]):
        repo.commit(message, when, files, author=author, remove=removed)
    return repo


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The digest of the whole history (loaded once for the module), and its repository."""
    root = tmp_path_factory.mktemp("history")
    repo = build_history(root / "repo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPODIGEST_CACHE_DIR", str(root / "cache"))
        patch.delenv("OPENAI_API_KEY", raising=False)
        digest = load_range(
            "2026-02-01", "2026-02-17", repos=[str(repo.path)], progress=False, tz="Asia/Shanghai", lang="zh"
        )
    return digest, repo


def test_the_file_changed_most_is_the_top_hotspot(history):
    digest, _ = history
    table = analytics.hotspots(digest.file_frame)
    top = table.iloc[0]
    assert (top["path"], top["revisions"], top["churn"], top["authors"], top["rank"]) == (HOT, 10, 50, 1, 1)
    # big.py: 1,600 lines in 2 commits ranks below a.py (7 commits, 37 lines): frequency first
    ranks = dict(zip(table["path"], table["rank"]))
    assert ranks[A] == 2 and ranks[B] == 3 and ranks["src/big/big.py"] == 4
    areas = analytics.hotspots(digest.file_frame, by="area", top=2)
    assert areas["area"].tolist() == ["core", "io"] and areas.iloc[1]["revisions"] == 7


def test_files_always_changed_together_have_coupling_100_and_a_huge_commit_adds_none(history):
    digest, _ = history
    table = analytics.coupling(digest.file_frame)
    assert table[["path", "coupled_path", "degree", "shared_revs", "average_revs"]].values.tolist() == [
        [A, B, 100.0, 6, 6.0]
    ]
    by_area = analytics.coupling(digest.file_frame, by="area")
    assert by_area[["area", "coupled_area", "degree"]].values.tolist() == [["io", "net", 100.0]]
    # Without the changeset guard the 500-file commit counts: a.py's 7th revision dilutes the pair,
    # and every generated file couples with every other.
    unguarded = analytics.coupling(digest.file_frame, max_changeset_size=1000, min_revs=1, min_shared_revs=1)
    pair = unguarded[(unguarded["path"] == A) & (unguarded["coupled_path"] == B)]
    assert pair["degree"].tolist() == [92.3]
    assert unguarded["path"].str.startswith("gen/").sum() > 100_000


def test_ownership_main_dev_fragmentation_and_knowledge_islands(history):
    digest, _ = history
    table = analytics.ownership(digest.file_frame).set_index("path")
    assert table.loc[HOT, ["authors", "main_dev", "ownership", "fragmentation", "knowledge_island"]].tolist() == [
        1,
        "Ann Lee",
        1.0,
        0.0,
        True,
    ]  # two names and addresses, one person (.mailmap)
    assert table.loc[A, ["revisions", "authors", "main_dev", "ownership", "fragmentation"]].tolist() == [
        7,
        3,
        "Bob",
        0.81,
        0.61,
    ]  # 1 - (3/7)^2 - (3/7)^2 - (1/7)^2
    assert "requirements.txt" not in table.index  # bots apart
    islands = analytics.knowledge_islands(digest.file_frame)
    assert islands["path"].tolist() == [HOT]
    assert analytics.knowledge_islands(digest.file_frame, min_revs=1)["path"].tolist()[:2] == [HOT, ".mailmap"]
    areas = analytics.ownership(digest.file_frame, by="area").set_index("area")
    assert areas.loc["core", "knowledge_island"] and not areas.loc["io", "knowledge_island"]


def test_churn_per_area_and_author_per_week(history):
    digest, _ = history
    areas = analytics.churn(digest.file_frame, by="area", freq="W")
    core = areas[areas["area"] == "core"].set_index("period")["churn"].to_dict()
    assert core == {"2026-02-02": 20, "2026-02-09": 20, "2026-02-16": 10}  # 4 + 4 + 2 commits of 5 lines
    authors = analytics.churn(digest.file_frame, by="author", freq="M")
    assert authors.set_index("author").loc["Ann Lee", "churn"] == 51  # 50 + the .mailmap line
    assert authors.set_index("author").loc["dependabot[bot]", "is_bot"]
    weekly = analytics.churn(digest.file_frame, by="author", freq="W")
    assert weekly.groupby("period")["author"].apply(sorted).tolist() == [
        ["Ann Lee", "Bob", "dependabot[bot]"],
        ["Ann Lee", "Cid"],
        ["Ann Lee", "Dan"],
    ]


def test_new_contributors_and_absence_factor(history):
    digest, _ = history
    weekly = analytics.new_contributors(digest.frame, freq="W")
    assert weekly[["period", "active", "new"]].values.tolist() == [
        ["2026-02-02", 2, 2],
        ["2026-02-09", 2, 1],
        ["2026-02-16", 2, 1],
    ]
    assert weekly["new_contributors"].tolist() == [["Ann Lee", "Bob"], ["Cid"], ["Dan"]]
    per_area = analytics.absence_factor(digest.frame).set_index("area")
    assert per_area.loc["core", ["commits", "absence_factor", "top"]].tolist() == [10, 1, ["Ann Lee"]]
    # each commit once, in its primary area: Dan's 500-file commit counts in gen, not in io
    assert per_area.loc["io", ["commits", "contributors", "absence_factor"]].tolist() == [6, 2, 1]
    assert per_area.loc["gen", ["commits", "top"]].tolist() == [1, ["Dan"]]
    whole = analytics.absence_factor(digest.frame, by=None)
    assert whole[["commits", "contributors", "absence_factor", "top"]].values.tolist() == [[20, 4, 1, ["Ann Lee"]]]


def test_activity_by_weekday_and_hour_in_the_report_time_zone(history):
    digest, _ = history
    table = analytics.activity(digest.frame)
    assert table.shape == (7, 24) and int(table.to_numpy().sum()) == 20  # the bot's commit apart
    assert table.loc["Mon", 10] == 10
    assert analytics.busiest(table) == {"weekday": "Mon", "hour": 10, "slot": "Mon 10:00", "commits": 10}
    utc = analytics.activity(digest.frame, tz="UTC")
    assert utc.loc["Mon", 2] == 10 and utc.loc["Mon", 10] == 0
    assert int(analytics.activity(digest.frame, bots=True).to_numpy().sum()) == 21


def test_fix_and_revert_rates_per_area(history):
    digest, _ = history
    table = analytics.fix_revert_rates(digest.frame, freq="M").set_index("area")
    assert table.loc["io", ["commits", "fixes", "fix_rate"]].tolist() == [6, 3, 0.5]  # Dan's commit is in gen
    assert table["commits"].sum() == 21  # each commit once
    assert table.loc["core", ["commits", "fixes", "fix_rate"]].tolist() == [10, 1, 0.1]
    assert table.loc["big", ["commits", "reverts", "revert_rate"]].tolist() == [2, 1, 0.5]
    whole = analytics.fix_revert_rates(digest.frame, by=None, freq="W")
    assert whole["commits"].sum() == 21 and whole["reverts"].sum() == 1


def test_every_figure_draws_its_table(history):
    digest, _ = history
    frame, files = digest.frame, digest.file_frame
    drawn = [
        figures.hotspots_figure(analytics.hotspots(files)),
        figures.coupling_figure(analytics.coupling(files)),
        figures.churn_figure(analytics.churn(files)),
        figures.new_contributors_figure(analytics.new_contributors(frame)),
        figures.absence_factor_figure(analytics.absence_factor(frame)),
        figures.activity_figure(analytics.activity(frame)),
        figures.rates_figure(analytics.fix_revert_rates(frame)),
    ]
    for figure in drawn:
        assert isinstance(figure, go.Figure) and figure.data and figure.layout.title.text
    assert list(drawn[0].data[0].x)[-1] == 10  # the top hotspot is the last (top) bar


def test_analyses_of_an_empty_range_are_empty_tables(make_repo):
    repo = make_repo()
    repo.commit("only", "2026-02-10T09:00:00+08:00", {"a.py": "a\n"})
    digest = load_range(
        "2026-02-01", "2026-02-05", repos=[str(repo.path)], progress=False, tz="Asia/Shanghai", lang="zh"
    )
    frame, files = digest.frame, digest.file_frame
    assert frame.empty and files.empty
    for table in (
        analytics.hotspots(files),
        analytics.coupling(files),
        analytics.ownership(files),
        analytics.churn(files),
        analytics.new_contributors(frame),
        analytics.absence_factor(frame),
        analytics.fix_revert_rates(frame),
        analytics.flagged_files(files),
    ):
        assert isinstance(table, pd.DataFrame) and table.empty and len(table.columns)
    assert (
        int(analytics.activity(frame).to_numpy().sum()) == 0
        and analytics.busiest(analytics.activity(frame))["slot"] is None
    )
    figures.churn_figure(analytics.churn(files))
    figures.rates_figure(analytics.fix_revert_rates(frame))


def test_bad_groupings_are_refused(history):
    digest, _ = history
    with pytest.raises(ValueError, match="by must be"):
        analytics.hotspots(digest.file_frame, by="author")
    with pytest.raises(ValueError, match="by must be"):
        analytics.churn(digest.file_frame, by="path")
    with pytest.raises(ValueError, match="by must be one of area, None, not 'path'"):
        analytics.absence_factor(digest.frame, by="path")
    with pytest.raises(ValueError, match="by must be one of area, None, not 'author'"):
        analytics.fix_revert_rates(digest.frame, by="author")


def test_daily_report_names_hotspots_and_knowledge_islands_of_its_window(tmp_path):
    repo = build_history(tmp_path / "repo")
    digest = build_digest(
        date="2026-02-16", repos=[str(repo.path)], window_days=15, lang="en", progress=False, tz="Asia/Shanghai"
    )
    day = digest.report_frame
    assert len(day) == 2 and set(day["title"]) == {"feat: hot step 8", "feat: hot step 9"}
    for reasons in day["reasons"]:
        history = {r["code"]: r for r in reasons if r["code"] in ("hotspot", "knowledge_island")}
        assert {code: (r["detail"], r["points"]) for code, r in history.items()} == {
            "hotspot": (HOT, 0.0),
            "knowledge_island": (HOT, 0.0),
        }
    markdown = digest.markdown()
    assert f"hotspot `{HOT}`" in markdown and f"knowledge island `{HOT}`" in markdown
    # The trend commits keep their reasons; a one-day window has no history to flag (2 changes < 3).
    assert not any(r["code"] == "hotspot" for rs in digest.frame.loc[~digest.frame["in_report"], "reasons"] for r in rs)
    alone = build_digest(
        date="2026-02-16", repos=[str(repo.path)], window_days=1, lang="en", progress=False, tz="Asia/Shanghai"
    )
    assert not any(r["code"] in ("hotspot", "knowledge_island") for rs in alone.frame["reasons"] for r in rs)
    assert alone.frame["score"].tolist() == day["score"].tolist()  # named, not weighed (0 points)


def test_a_contributor_is_the_login_else_the_name_as_person_key_says():
    from repodigest.analytics.common import contributor
    from repodigest.models import person_key

    frame = pd.DataFrame(
        {
            "author_login": pd.array(["ann-l", "", None, None, "bot[bot]"], dtype="string"),
            "author": pd.array(["Ann Lee", "Bob", "Cid", None, "dependabot[bot]"], dtype="string"),
        },
        index=[5, 3, 9, 1, 0],
    )
    keys = contributor(frame)
    expected = [
        person_key(None if pd.isna(login) else login, None if pd.isna(name) else name)
        for login, name in zip(frame["author_login"], frame["author"])
    ]
    assert keys.tolist() == expected == ["ann-l", "Bob", "Cid", "", "bot[bot]"]
    assert list(keys.index) == [5, 3, 9, 1, 0] and str(keys.dtype) == "string"


def test_records_give_to_dicts_values_for_every_column_kind():
    """analytics.common.records converts each column at once: its rows equal ``to_dict("records")``, value
    for value and type for type, missing values included, for every kind of column a frame holds."""
    import numpy as np

    from repodigest.analytics.common import records

    frame = pd.DataFrame(
        {
            "count": [1, 2, 3],
            "share": [1.5, np.nan, 2.0],
            "flag": [True, False, True],
            "title": pd.array(["a", None, "c"], dtype="string[pyarrow]"),
            "title_nan": pd.array(["a", None, "c"], dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
            "title_python": pd.array(["a", None, "c"], dtype="string[python]"),
            "pr_number": pd.array([1, None, 3], dtype="Int64"),
            "ratio": pd.array([1.5, None, 3.0], dtype="Float64"),
            "later_fixed": pd.array([True, None, False], dtype="boolean"),
            "lists": pd.Series([[1], {"a": np.int64(2)}, None], dtype=object),
            "numbers": pd.Series([np.float64(1.5), np.int64(2), np.bool_(True)], dtype=object),
            "odd": pd.Series([pd.NA, np.nan, np.datetime64("2020-01-01")], dtype=object),
            "naive": pd.to_datetime(["2020-01-01", None, "2021-01-01"]),
            "committed_at": pd.to_datetime(["2020-01-01", None, "2021-01-01"]).tz_localize("UTC"),
            "span": pd.to_timedelta([1, None, 3], unit="s"),
            "area": pd.Categorical(["x", "y", "x"]),
        }
    )

    def typed(rows):
        return [{k: (type(v), "nan" if v != v else repr(v)) for k, v in row.items()} for row in rows]

    for part in (frame, frame.iloc[[2, 0]], frame.iloc[:0]):
        assert typed(records(part)) == typed(part.to_dict("records"))
