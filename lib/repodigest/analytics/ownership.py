"""Ownership: who knows each file or area, how fragmented the knowledge is, and where one person
holds it alone."""

from __future__ import annotations

import pandas as pd

from .common import check_by, contributor, ranked, without_bots

ISLAND_MIN_REVS = 3  # a file one author touched once or twice is new, not an island


def ownership(files: pd.DataFrame, by: str = "path", island_min_revs: int = ISLAND_MIN_REVS) -> pd.DataFrame:
    """Main developer, fragmentation and knowledge islands per file (``by="path"``) or area, bots apart.

    Definitions: ``main_dev`` is the contributor who added the most lines (code-maat's ``main-dev``;
    ties go to more revisions, then the name) and ``ownership`` their share of the lines added
    (missing when no line was added, e.g. binary files); ``fragmentation`` is code-maat's fractal value
    ``1 - sum((revs_a / revs)^2)`` over the contributors' revisions (D'Ambros et al.; 0 = one author);
    ``knowledge_island`` is one contributor only, with at least ``island_min_revs`` revisions (CodeScene's
    knowledge islands, at their strictest). Contributors are logins or ``.mailmap`` names; bot commits
    are left out. Per repository, the most changed entities first.
    """
    check_by(by)
    columns = [
        "repo",
        by,
        "revisions",
        "authors",
        "main_dev",
        "main_dev_added",
        "lines_added",
        "ownership",
        "fragmentation",
        "knowledge_island",
        "rank",
    ]
    people = without_bots(files[["repo", by, "sha", "author", "author_login", "lines_added", "is_bot"]])
    if people.empty:
        return pd.DataFrame(columns=columns)
    # Integer codes for the grouping (contributors sorted, so that the order of codes is the order of
    # names); rows missing a key are left out, as groupby does.
    who = contributor(people)
    repo_codes, repos = pd.factorize(people["repo"])
    entity_codes, names = pd.factorize(people[by])
    who_codes, contributors = pd.factorize(who, sort=True)
    sha_codes, _ = pd.factorize(people["sha"])
    data = pd.DataFrame(
        {
            "repo": repo_codes,
            "entity": entity_codes,
            "contributor": who_codes,
            "sha": pd.Series(sha_codes).where(sha_codes >= 0),
            "added": people["lines_added"].fillna(0).array,
        }
    )
    data = data[(repo_codes >= 0) & (entity_codes >= 0) & (who_codes >= 0)]
    keys = ["repo", "entity"]
    per = data.groupby([*keys, "contributor"]).agg(revs=("sha", "nunique"), added=("added", "sum")).reset_index()
    per = per.sort_values(["added", "revs", "contributor"], ascending=[False, False, True], kind="stable")
    grouped = per.groupby(keys, sort=False)
    table = grouped.agg(
        revisions=("revs", "sum"),
        authors=("contributor", "size"),
        main_dev=("contributor", "first"),
        main_dev_added=("added", "first"),
        lines_added=("added", "sum"),
    ).reset_index()
    table["authors"] = table["authors"].astype("Int64")  # the dtype of a size over a string column
    share = per["revs"] / grouped["revs"].transform("sum")
    fragmentation = (share**2).groupby([per[k] for k in keys], sort=False).sum()
    table["fragmentation"] = (1 - fragmentation.reindex(pd.MultiIndex.from_frame(table[keys])).to_numpy()).round(2)
    table["ownership"] = (table["main_dev_added"] / table["lines_added"].where(table["lines_added"] > 0)).round(2)
    table["knowledge_island"] = (table["authors"] == 1) & (table["revisions"] >= island_min_revs)
    table = table.assign(
        **{
            "repo": pd.Series(repos.take(table["repo"].to_numpy())),
            by: pd.Series(names.take(table["entity"].to_numpy())),
            "main_dev": pd.Series(contributors.take(table["main_dev"].to_numpy())),
        }
    )
    table = ranked(table, files["repo"], ["revisions", "lines_added", by], [False, False, True])
    return table[columns]


def knowledge_islands(files: pd.DataFrame, by: str = "path", min_revs: int = ISLAND_MIN_REVS) -> pd.DataFrame:
    """The rows of :func:`ownership` that are knowledge islands: one contributor, ``min_revs`` revisions or more."""
    table = ownership(files, by, island_min_revs=min_revs)
    return table[table["knowledge_island"].astype(bool)].reset_index(drop=True)
