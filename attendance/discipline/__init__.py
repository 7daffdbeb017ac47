"""Discipline pages: recording violations, the ledger, appeals, dismissal reviews, printed documents."""
