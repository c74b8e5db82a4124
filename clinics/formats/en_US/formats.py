"""One date and one date-time format for clinics in en-US: 09/24/2004, Dec 1, 2026, 9:05 PM."""

DATE_FORMAT = SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "M j, Y, g:i A"
TIME_FORMAT = "g:i A"
MONTH_DAY_FORMAT = "F j"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 0
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
