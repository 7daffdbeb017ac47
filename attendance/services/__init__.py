"""Use cases shared by pages, API and CLI: load → domain → save, each inside one transaction
(``services.transaction``: the outermost use case commits, nested ones join it, nothing commits on its own)."""
