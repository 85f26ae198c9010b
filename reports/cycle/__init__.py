"""The yearly cycle of a district: opening a reporting year (the drafts of every active agency,
pre-filled from last year), its deadlines, and the district's 节假日/调休 calendar used for
working-day counts. ``services`` writes, ``selectors`` reads, ``calendar`` counts days."""
