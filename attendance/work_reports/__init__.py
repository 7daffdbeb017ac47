"""Work report pages (周报、月报): hand in on the phone; the lead's list of who has and who has not."""
