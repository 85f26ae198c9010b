"""The district administrator's pages: the district's agencies and accounts, bulk onboarding
from a spreadsheet. See ``services.py`` for the rules and ``README`` in ``reports/``."""
