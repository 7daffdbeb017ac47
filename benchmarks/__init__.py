"""Load tests kept with the project (docs/benchmark.md): the shift-start mix under Locust, against gunicorn."""
