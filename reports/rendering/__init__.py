"""The published document and its files.

``documents`` builds the document's layout from ``reports/standard.py`` (the only list of rows
and columns) and renders it as HTML; ``pdf`` renders the same layout as an A4 PDF with the
font embedded, ``word`` as a Word file (``.docx``); ``formats`` is the table of the five
published formats (name, media type, renderer). No row, column or span is written twice.
"""
