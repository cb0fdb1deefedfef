"""Publishing: run the daily notebook (:mod:`.execute`, on a kernel of :mod:`.kernel`), turn the executed
notebook into the report's folder (:mod:`.export`, chart PNGs by :mod:`.pngs` in a browser of
:mod:`.browser`, from the notebook's outputs: :mod:`.glue`), both with nothing half-written
(:mod:`.render`); the outputs folder as a site (:mod:`.site_build`: the reports it holds, :mod:`.outputs_index`;
the index page, :mod:`.site_pages`; the feed, :mod:`.site_feed`; the search, :mod:`.site_search`); post the
day's summary to chat (:mod:`.delivery`)."""
