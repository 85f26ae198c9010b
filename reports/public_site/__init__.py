"""The public site: the listing of published reports (``listing.py``: filters, queries,
choices), the pages and files (``views.py``), the JSON API and open data (``api.py``).
Served from the shared cache of ``reports/public_cache``."""
