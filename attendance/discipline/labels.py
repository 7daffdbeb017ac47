"""What the codes of discipline are called on pages and documents."""

from flask_babel import lazy_gettext as _l

SANCTION_LABELS = {"warning": _l("Warning"), "fine": _l("Fine"), "points": _l("Points deducted"),
                   "dismissal_review": _l("Dismissal review")}
SOURCE_LABELS = {"manual": _l("Recorded by hand"), "grooming": _l("Grooming check"),
                 "attendance": _l("Attendance"), "complaint": _l("Customer complaint"),
                 "swap": _l("Shift swap"), "meeting": _l("Meeting")}
KIND_LABELS = {"fine": _l("Fine"), "reward": _l("Reward"), "reversal": _l("Reversal"),
               "adjustment": _l("Adjustment")}
APPEAL_LABELS = {"pending": _l("Appeal pending"), "upheld": _l("Appeal upheld"),
                 "overturned": _l("Appeal overturned")}
DISMISSAL_LABELS = {"pending": _l("Pending"), "dismiss": _l("Dismiss"), "final_warning": _l("Final warning"),
                    "dropped": _l("Dropped")}
