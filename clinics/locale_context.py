"""Write something (an e-mail, a PDF) as the clinic reads dates, outside a request."""

from accounts.emails import written_for


def clinic_formats(clinic):
    """The clinic's timezone and locale while the block runs: the rule every e-mail is written
    with (accounts.emails.written_for), for a reader who has no language of their own."""
    return written_for(clinic=clinic)
