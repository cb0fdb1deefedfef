"""Change coupling: entities that change together (code-maat's ``coupling`` analysis)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import check_by, ranked

# code-maat's defaults for its coupling analysis.
MIN_REVS = 5  # average revisions of the two entities
MIN_SHARED_REVS = 5
MIN_COUPLING = 30  # percent
MAX_CHANGESET_SIZE = 30  # files in one commit


def coupling(
    files: pd.DataFrame,
    by: str = "path",
    min_revs: int = MIN_REVS,
    min_shared_revs: int = MIN_SHARED_REVS,
    min_coupling: float = MIN_COUPLING,
    max_changeset_size: int = MAX_CHANGESET_SIZE,
) -> pd.DataFrame:
    """Pairs of files (``by="path"``) or areas (``by="area"``) that change in the same commits.

    Definition (code-maat's ``coupling``): ``degree = 100 x shared_revs / average_revs``, where
    ``shared_revs`` counts the commits touching both and ``average_revs`` is the mean of the two
    entities' revisions. Commits with more than ``max_changeset_size`` files are left out entirely
    (they neither add revisions nor shared revisions), so one sweeping commit couples nothing; the
    guard counts the commit's files whatever ``by`` is. A pair is kept when
    ``average_revs >= min_revs``, ``shared_revs >= min_shared_revs`` and ``degree >= min_coupling``
    (code-maat's defaults: 5, 5, 30 %, 30 files). Per repository, strongest first.
    """
    check_by(by)
    other = f"coupled_{by}"
    columns = ["repo", by, other, "degree", "shared_revs", "average_revs", "revs", "coupled_revs", "rank"]
    sets = files.loc[files["commit_file_count"] <= max_changeset_size, ["repo", "sha", by]]
    if sets.empty:
        return pd.DataFrame(columns=columns)
    sets = sets[sets[by].notna()]
    # Integer codes for the pairing: entities sorted, so that the order of codes is the order of names
    # and each pair is kept once, the smaller name first.
    repo_codes, repo_names = pd.factorize(sets["repo"])
    sha_codes, shas = pd.factorize(sets["sha"])
    entity_codes, names = pd.factorize(sets[by], sort=True)
    codes = pd.DataFrame(
        {"repo": repo_codes, "commit": repo_codes.astype(np.int64) * len(shas) + sha_codes, "entity": entity_codes}
    ).drop_duplicates()
    revs = codes.groupby(["repo", "entity"]).size()
    pairs = codes.merge(codes[["commit", "entity"]].rename(columns={"entity": "other"}), on="commit")
    pairs = pairs[pairs["entity"] < pairs["other"]]
    table = pairs.groupby(["repo", "entity", "other"]).size().rename("shared_revs").reset_index()
    table["revs"] = revs.reindex(pd.MultiIndex.from_arrays([table["repo"], table["entity"]])).to_numpy()
    table["coupled_revs"] = revs.reindex(pd.MultiIndex.from_arrays([table["repo"], table["other"]])).to_numpy()
    table["average_revs"] = (table["revs"] + table["coupled_revs"]) / 2
    table["degree"] = (100 * table["shared_revs"] / table["average_revs"]).round(1)
    keep = (
        (table["average_revs"] >= min_revs)
        & (table["shared_revs"] >= min_shared_revs)
        & (table["degree"] >= min_coupling)
    )
    table = table[keep].reset_index(drop=True)
    table = table.assign(
        **{
            "repo": pd.Series(repo_names.take(table["repo"].to_numpy())),
            by: pd.Series(names.take(table["entity"].to_numpy())),
            other: pd.Series(names.take(table["other"].to_numpy())),
        }
    )
    table = ranked(table, files["repo"], ["degree", "shared_revs", by, other], [False, False, True, True])
    return table[columns]
