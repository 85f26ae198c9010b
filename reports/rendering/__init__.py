"""Rendering the published document into file formats that need a library of their own.

``word`` writes the Word file (``.docx``). It reads the same layout as the HTML and the PDF
(``reports.documents.document_layout``, built from ``reports/standard.py``), so no row,
column or span is written twice. The HTML/PDF renderers (``reports/documents.py``,
``reports/pdf.py``) and the format table (``reports/formats.py``) stay where they are for
now: other branches edit them, and moving them here is a rename for a quiet day.
"""
