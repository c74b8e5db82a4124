// Order form type-ahead: panels first, then tests; choosing one ticks its box below.
// Keyboard: arrows move, Enter picks, Escape closes. No inline script (CSP-friendly).
(function () {
  "use strict";
  var input = document.getElementById("hp-test-search");
  var list = document.getElementById("hp-test-search-results");
  if (!input || !list) return;
  var items = [], active = -1, timer = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function tick(found) {
    var name = found.kind === "panel" ? "panels" : "tests";
    var box = document.querySelector('input[name="' + name + '"][value="' + found.id + '"]');
    if (!box) return;
    box.checked = true;
    box.scrollIntoView({ block: "nearest" });
    box.focus();
    input.value = "";
    close();
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (option, i) {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
  }

  function render(found) {
    items = found;
    list.textContent = "";
    found.forEach(function (entry, index) {
      var option = document.createElement("li");
      option.id = "hp-test-option-" + index;
      option.className = "list-group-item list-group-item-action";
      option.setAttribute("role", "option");
      var kind = document.createElement("span");
      kind.className = "badge text-bg-light border me-2";
      kind.textContent = entry.kind === "panel" ? list.dataset.panel || "Panel" : list.dataset.test || "Test";
      option.appendChild(kind);
      option.appendChild(document.createTextNode(entry.name + (entry.loinc_code ? " (" + entry.loinc_code + ")" : "")));
      if (entry.tests.length) {
        var detail = document.createElement("div");
        detail.className = "small text-body-secondary";
        detail.textContent = entry.tests.join(", ");
        option.appendChild(detail);
      }
      option.addEventListener("mousedown", function (event) { event.preventDefault(); tick(entry); });
      list.appendChild(option);
    });
    list.hidden = found.length === 0;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    highlight(found.length ? 0 : -1);
  }

  function search() {
    var query = input.value.trim();
    if (!query) { close(); return; }
    fetch(input.dataset.url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) { render(body.results || []); })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (event.key === "Enter") { event.preventDefault(); if (items[active]) tick(items[active]); }
    else if (event.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
