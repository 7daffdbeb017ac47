"""The policy pages: the rule book in force, its versions, import and export."""
