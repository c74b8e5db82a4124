"""HTML pages of the labs app, by page group: parse input, make one selector or service call,
translate its errors, render.

Every page is a staff page (core.decorators.staff_page). A page that loads a record asks for it with
one access call (`labs.selectors.<thing>_get(..., permission=...)`: 404 outside the clinic, then
403); a page that loads none declares its permission (`@staff_page("labs.review")`).
"""
