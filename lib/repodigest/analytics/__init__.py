"""Questions analysts ask of a repository's history, one call each: pure functions of the frames
(``repodigest.frame``: the commit frame and the file frame), each returning a DataFrame; the figures
(``repodigest.charts.history``) are separate calls over those tables.

| question | call | frame | source |
|---|---|---|---|
| where does the code keep changing? | ``hotspots(files, by="path"/"area")`` | files | code-maat revisions + churn, Tornhill |
| what changes together? | ``coupling(files, by=...)`` | files | code-maat coupling |
| who knows it, how scattered? | ``ownership(files, by=...)``, ``knowledge_islands(files)`` | files | code-maat main-dev, fragmentation; CodeScene |
| how much, by whom, when? | ``churn(files, by="area"/"author", freq=...)`` | files | code-maat abs/entity/author churn |
| who joins? | ``new_contributors(frame, freq=...)`` | commits | CHAOSS New Contributors |
| how many people does it lean on? | ``absence_factor(frame, by="area"/None)`` | commits | CHAOSS Contributor Absence Factor |
| when do people work? | ``activity(frame, tz=...)``, ``busiest(table)`` | commits | OSS Insight, CHAOSS |
| how much repairs earlier work? | ``fix_revert_rates(frame, by=..., freq=...)`` | commits | Kamei's FIX, reverts |
| what did a day's fixes repair? what became of a watched commit? | ``follow_ups(frame, earlier)``, ``watch_statuses(shas, frame, earlier, through=day)`` | commits as judged then | SZZ on the fix (Śliwerski et al. 2005), reverts |
| how much code lives on, from when? | ``survival(clone, every="30D", by="year", breakdown=None/"author"/"area")`` | a clone's first-parent diffs | Hercules burndown, git-of-theseus |
| did the levels hold? | ``track_record(frame, by="level")``, ``discrimination(frame, score=...)``, ``calibration(frame)``, ``misses(frame)``, ``ranking(frame)`` | commits with outcomes | SZZ (Śliwerski et al. 2005), Kamei et al. 2013 |
"""

from .activity import activity, busiest
from .churn import churn
from .contributors import absence_factor, new_contributors
from .coupling import coupling
from .flags import flagged_files
from .followups import follow_ups, watch_statuses
from .hotspots import hotspots
from .ownership import knowledge_islands, ownership
from .rates import fix_revert_rates
from .survival import survival
from .track_record import calibration, discrimination, misses, ranking, track_record

__all__ = [
    "absence_factor",
    "activity",
    "busiest",
    "calibration",
    "churn",
    "coupling",
    "discrimination",
    "fix_revert_rates",
    "flagged_files",
    "follow_ups",
    "hotspots",
    "knowledge_islands",
    "misses",
    "new_contributors",
    "ownership",
    "ranking",
    "survival",
    "track_record",
    "watch_statuses",
]
