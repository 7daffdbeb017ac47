"""Pages for the pre-shift grooming check, a person's check history and the team's monthly insight."""
