import pytest

from repodigest.errors import UserError
from repodigest.explore import filter_commits, load_range, top_commits


def test_range_filters_and_top(make_repo):
    repo = make_repo()
    repo.commit("[Perf] big (#1)", "2026-02-10T09:00:00+08:00", {"src/p/core/a.py": "a\n" * 500}, author=("Ann", "a@x"))
    repo.commit("docs: typo", "2026-02-12T09:00:00+08:00", {"docs/x.md": "t\n"}, author=("Bob", "b@x"))
    repo.commit("fix: io bug", "2026-02-14T09:00:00+08:00", {"src/p/io/b.py": "b\n" * 30}, author=("Ann", "a@x"))
    digest = load_range(repos=[str(repo.path)], default_days=3)  # latest day 02-14: 12th..14th
    assert digest.days == ["2026-02-12", "2026-02-13", "2026-02-14"] and len(digest.frame) == 2
    full = load_range("2026-02-01", "2026-02-14", repos=[str(repo.path)]).frame
    assert len(full) == 3 and full["in_report"].all()
    assert filter_commits(full, author="ann")["title"].tolist() == ["fix: io bug", "[Perf] big (#1)"]
    assert filter_commits(full, area="docs")["title"].tolist() == ["docs: typo"]
    assert filter_commits(full, path="src/p/io/*")["title"].tolist() == ["fix: io bug"]
    assert filter_commits(full, level=["high", "medium"], author="bob").empty
    assert top_commits(full, n=1)["title"].tolist() == ["[Perf] big (#1)"]
    with pytest.raises(UserError, match="must be a day on or before"):
        load_range("2026-02-20", "2026-02-14", repos=[str(repo.path)])
