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
| did the levels hold? | ``track_record(frame, by="level")``, ``discrimination(frame, score=...)``, ``calibration(frame)``, ``misses(frame)`` | commits with outcomes | SZZ (Śliwerski et al. 2005), Kamei et al. 2013 |
"""

from ..lazy import lazy_exports

_LAZY = {
    "absence_factor": "contributors",
    "activity": "activity",
    "busiest": "activity",
    "calibration": "track_record",
    "churn": "churn",
    "coupling": "coupling",
    "discrimination": "track_record",
    "fix_revert_rates": "rates",
    "flagged_files": "flags",
    "follow_ups": "followups",
    "hotspots": "hotspots",
    "knowledge_islands": "ownership",
    "misses": "track_record",
    "new_contributors": "contributors",
    "ownership": "ownership",
    "survival": "survival",
    "track_record": "track_record",
    "watch_statuses": "followups",
}
__all__ = list(_LAZY)

__getattr__ = lazy_exports(__name__, _LAZY, globals())
