"""Publishing: run the daily notebook (:mod:`.execute`, on a kernel of :mod:`.kernel`), turn the executed
notebook into the report's folder (:mod:`.export`, chart PNGs by :mod:`.pngs` in a browser of
:mod:`.browser`, from the notebook's outputs: :mod:`.glue`), both with nothing half-written
(:mod:`.render`); list every report (:mod:`.outputs_index`); post the day's summary to chat
(:mod:`.delivery`)."""
