"""Personal data: each person's own copy, and who viewed sensitive files (PIPL Art. 45 and 28)."""
