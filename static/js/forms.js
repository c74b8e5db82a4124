// A form posts once.
// - A second submit of the same form while the first is on its way (a double click, Enter pressed
//   twice on a slow line) is ignored. A submit another handler cancelled (the notes editor waiting
//   for its autosave) is left alone. The guard lifts after a few seconds, for an answer that
//   leaves the page where it was (a download), and whenever the browser shows the page again.
// - Each post carries a `_submission` key (core/idempotency.py). The server draws one into every
//   form ({% form_keys %}), which is all a page without script has; here it is replaced by one
//   that stays the same for as long as the form's content is the same: a form sent again after
//   its answer was lost (a dropped line, a second click once the guard has lifted) is saved once,
//   and the server answers with the first post's page. A changed form gets a new key, and so
//   does a page shown again from history.
// - A page drawn again with a form's errors opens on the first refused field, or on the form's
//   error box when the refusal names no field.
(function () {
  "use strict";
  var HOLD_MS = 8000;
  var FIELD = "_submission";

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // What the form sends, files by name and size: the key is kept while this stays the same.
  function content(form, submitter) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === FIELD) return;
      parts.push(name + "=" + (typeof value === "string" ? value : value.name + ":" + value.size));
    });
    if (submitter && submitter.name) parts.push(submitter.name + "=" + submitter.value);
    return parts.join("&");
  }

  function stamp(form, submitter) {
    var input = form.querySelector("input[name='" + FIELD + "']");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = FIELD;
      form.appendChild(input);
    }
    var sent = content(form, submitter);
    if (!input.value || form.dataset.hpSent !== sent) {
      input.value = newKey();
      form.dataset.hpSent = sent;
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method !== "post") return;
    if (form.dataset.hpPosting) {
      event.preventDefault();
      return;
    }
    form.dataset.hpPosting = "1";
    stamp(form, event.submitter);
    window.setTimeout(function () {
      delete form.dataset.hpPosting;
    }, HOLD_MS);
  });
  // A form drawn again with its errors: the first refused field is brought into view and
  // focused, so a refusal far down a long page (on a phone, screens below) is not missed. A
  // refusal of no one field (a service's "Missing: Diastolic.") is in the form's error box:
  // that is focused instead (tabindex -1: reachable by script, not by Tab), and read out.
  window.addEventListener("load", function () {
    if (document.activeElement !== document.body) return;
    var refused = document.querySelector("form .is-invalid");
    if (!refused) {
      refused = document.querySelector("form .alert-danger");
      if (!refused) return;
      refused.tabIndex = -1;
    }
    refused.scrollIntoView({ block: "center", behavior: "instant" });
    refused.focus({ preventScroll: true });
  });
  window.addEventListener("pageshow", function (event) {
    document.querySelectorAll("form[data-hp-posting]").forEach(function (form) {
      delete form.dataset.hpPosting;
    });
    if (event.persisted) {
      document.querySelectorAll("input[name='" + FIELD + "']").forEach(function (input) {
        input.value = "";
      });
    }
  });
})();
