"""Monthly scores, month close, payroll deductions, charts and the monthly report (pages, CLI)."""
