"""Handover book pages (交接本): write at the end of a shift, acknowledge on the phone, the lead's fine."""
