"""Notification pages: the bell's list, opening one, marking all read; an admin sets a team's robot."""
