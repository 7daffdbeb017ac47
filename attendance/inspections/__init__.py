"""Quality inspection pages (质检)."""
