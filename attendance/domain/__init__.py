"""The domain layer: plain Python rules with no Flask or database imports."""
