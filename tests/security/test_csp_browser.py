"""The API documentation pages work offline under the CSP (Chromium reports any violation)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "path, ready", [("/api/docs/", ".opblock"), ("/api/redoc/", ".api-content")]
)
def test_api_docs_render_under_the_csp_from_local_files(page, live_server, path, ready):
    console, errors, answered = [], [], []
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: answered.append((response.status, response.url)))

    page.goto(path)
    page.wait_for_selector(ready)
    page.wait_for_timeout(500)
    violations = [text for text in console if "Policy" in text]
    loaded = [url for _status, url in answered]

    assert [url for url in loaded if not url.startswith((live_server.url, "data:", "blob:"))] == []
    assert [v for v in violations if "script" in v] == []
    assert errors == []
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
