"""The typed records' derived answers (models.py): one author key for counting and for choosing."""

from __future__ import annotations

from datetime import UTC, datetime

from repodigest.models import Commit, FileChange, author_key, person_key

WHEN = datetime(2026, 2, 16, 8, tzinfo=UTC)


def commit(sha: str, name: str, login: str | None, lines: int = 1, parents=("p" * 40,), merged=()) -> Commit:
    return Commit(
        repo="o/r",
        sha=sha * 40,
        parents=parents,
        author_name=name,
        author_email=f"{name}@x",
        author_date=WHEN,
        committer_name=name,
        committer_email=f"{name}@x",
        committer_date=WHEN,
        message="m",
        title="m",
        pr_number=None,
        co_authors=(),
        files=(FileChange("a.py", "modified", lines, 0),),
        author_login=login,
        merged=merged,
    )


def test_authors_count_people_by_the_key_main_author_chooses_by():
    # one person under two names (one login): two commits, more than Bob's one big commit
    landed = (commit("a", "Annie", "ann"), commit("b", "Ann Lee", "ann"), commit("c", "Bob", None, lines=500))
    merge = commit("m", "Mia", "mia", parents=("p" * 40, "q" * 40), merged=landed)
    assert author_key(merge.main_author) == "ann"
    assert merge.authors == ("Annie", "Bob")  # Ann once, by the name of the commit that stands for her


def test_person_key_is_the_login_else_the_name_for_missing_values_too():
    assert person_key("ann", "Ann") == "ann" and person_key(None, "Ann") == "Ann" and person_key("", "Ann") == "Ann"
    assert person_key(float("nan"), "Ann") == "Ann" and person_key(None, None) == ""
