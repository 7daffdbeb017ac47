"""Documents and reports: queries → tables, charts, XLSX and PDF (not reports/, the generated output)."""
