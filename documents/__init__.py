"""Compiled output (issue 9): what a supervisor downloads — the DOCX report, the XLSX workbook, the chart.

Pure: a `Compilation` (documents/model.py) in, file bytes out. Gathering it from the database is
storage's (storage/compiled.py); sending it is the outbox's.
"""
