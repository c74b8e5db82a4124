// Starts ReDoc from a file rather than an inline script, so the page needs no 'unsafe-inline'.
// The nonce lets the styles ReDoc injects pass the Content-Security-Policy.
(function () {
  var container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.schemaUrl, { nonce: container.dataset.nonce }, container);
})();
