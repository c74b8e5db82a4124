"""The API documentation pages work offline under the CSP (Chromium reports any violation)."""

import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "path, ready", [("/api/docs/", ".opblock"), ("/api/redoc/", ".api-content")]
)
def test_api_docs_render_under_the_csp_from_local_files(page, live_server, path, ready):
    console, errors, answered, stalls = [], [], [], []
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: answered.append((response.status, response.url)))

    # Twice in the MongoDB pass ReDoc never drew its content within 60 s although every file
    # had loaded and the console held only what a passing run's does (alone it takes ~10 s, and
    # ~10 s with four busy loops on the two cores). Not understood; what this test asserts is the
    # CSP, so a stalled render is reported and the page loaded once more before it fails.
    # The second time, ReDoc is given three minutes: in one CI run it stalled twice at 60 s
    # (schema answered 200, its search worker never started), under the MongoDB pass's load.
    for wait in (60_000, 180_000):
        page.goto(path)
        try:
            page.wait_for_selector(ready, timeout=wait)
            break
        except PlaywrightTimeout:
            stalls.append(f"console: {console}; errors: {errors}; answered: {answered}")
            for seen in (console, errors, answered):
                seen.clear()
    else:
        pytest.fail(f"{ready} never appeared, in two loads: {stalls}")
    if stalls:  # in the warnings summary of a passing run
        warnings.warn(f"{path}: the first load stalled: {stalls[0]}", stacklevel=1)
    page.wait_for_timeout(500)
    violations = [text for text in console if "Policy" in text]
    loaded = [url for _status, url in answered]

    assert [url for url in loaded if not url.startswith((live_server.url, "data:", "blob:"))] == []
    assert [v for v in violations if "script" in v] == []
    # Every stylesheet the page injects carries the nonce, so the page is styled, except ReDoc's
    # copy of perfect-scrollbar's, which static/api/redoc-scrollbar.css serves instead. (ReDoc
    # also writes an empty inline style attribute; refusing it changes nothing.)
    refused = page.evaluate(
        "Array.from(document.querySelectorAll('style')).filter(s => !s.nonce)"
        ".map(s => s.textContent.slice(0, 4))"
    )
    assert set(refused) <= {".ps{"}
    if refused:
        assert any(url.endswith("redoc-scrollbar.css") for url in loaded)
    # ReDoc's "by Redocly" footer asks for a logo on cdn.redoc.ly: refused, nothing leaves.
    expected = ("Applying inline style", "Loading the image 'https://cdn.redoc.ly/")
    assert [v for v in violations if not v.startswith(expected)] == []
