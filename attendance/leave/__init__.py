"""Leave (请假): the pages, the command line and the demo of the leave capability (services/leave.py)."""
