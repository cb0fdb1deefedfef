"""Publishing a report: run and export the notebook (:mod:`.render`), list every report
(:mod:`.outputs_index`), post the day's summary to chat (:mod:`.delivery`)."""
