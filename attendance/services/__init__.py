"""Use cases shared by pages, API and CLI. Each owns its transaction: load → domain → save → commit."""
