/*
 * The note writer's autosave (templates/notes/note_edit.html; no inline script, CSP-safe).
 *
 * - Every edit is copied at once to localStorage, so a keystroke survives a dropped network,
 *   a closed tab or a crash until the server has it.
 * - A few seconds after the first unsaved edit (and when a field loses focus, the page is
 *   hidden or the connection comes back) the draft is PATCHed to /api/v1/notes/<id>/ with the
 *   version it started from; the answer's version is kept for the next save.
 * - Network failures and server errors retry with a growing delay (up to a minute). A 409 (the
 *   draft was saved elsewhere, or signed) stops autosave and says so; the text stays on the
 *   device. Other refusals (400) are shown, in the words the page's Save uses, each after the
 *   name of its field (which is marked), and the next edit tries again.
 * - Opening the writer again offers back any text the server never received. A page that shows
 *   a refused Save (data-unsaved) holds this device's text, not the draft's: the copy is kept.
 * - Save / Save and sign wait for an autosave already on its way and post the version it
 *   returns, so the tab's own autosave never reads as a save from elsewhere.
 * Without JavaScript the form's Save buttons do the same work by a normal POST.
 */
(function () {
  "use strict";

  var form = document.getElementById("note-writer");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var INTERVAL = 4000;
  var MAX_DELAY = 60000;
  var url = form.dataset.autosaveUrl;
  var storageKey = "hp-note-draft:" + form.dataset.noteId;
  var status = document.getElementById("autosave-status");
  var restoreBox = document.getElementById("autosave-restore");
  var versionInput = form.querySelector("input[name=version]");
  var csrfToken = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var titleInput = form.querySelector("[name=title]");
  var sectionInputs = Array.prototype.slice.call(form.querySelectorAll("textarea[data-section]"));

  var dirty = false;
  var inFlight = false;
  var editedDuringFlight = false;
  var stopped = false;
  var submitting = false;
  var waitingSubmitter = null;
  var timer = null;
  var delay = INTERVAL;

  function say(text) {
    status.textContent = text;
  }

  function content() {
    return {
      title: titleInput.value,
      sections: sectionInputs.map(function (input) {
        return { name: input.dataset.section, text: input.value };
      }),
    };
  }

  function currentVersion() {
    return parseInt(versionInput.value, 10);
  }

  function keepLocally() {
    var copy = content();
    copy.version = currentVersion();
    copy.keptAt = new Date().toISOString();
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(copy));
    } catch (error) {
      /* storage full or disabled: the server copy is all there is */
    }
  }

  function forgetLocally() {
    try {
      window.localStorage.removeItem(storageKey);
    } catch (error) {
      /* nothing kept */
    }
  }

  function readLocal() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "null");
    } catch (error) {
      return null;
    }
  }

  function schedule(wait) {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, wait);
  }

  function timeNow() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function messagesIn(errors) {
    if (typeof errors === "string") {
      return [errors];
    }
    if (errors && typeof errors === "object") {
      return Object.keys(errors).reduce(function (all, key) {
        return all.concat(messagesIn(errors[key]));
      }, []);
    }
    return [];
  }

  // A field the last autosave refused is marked, and named in the status ("Title: …"): on a
  // phone the status line sits screens below the title.
  function clearRefused() {
    form.querySelectorAll("[aria-invalid=true]").forEach(function (input) {
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
    });
  }

  function refusal(answer, sent) {
    // The messages alone, as the page's Save shows them: the API's `detail` starts with the
    // field's internal name ("sections: …").
    var errors = answer.data.errors;
    if (!errors) {
      return answer.data.detail || String(answer.status);
    }
    var texts = [];
    Object.keys(errors).forEach(function (field) {
      var input = form.querySelector("[name='" + field + "']");
      var label = input && input.labels && input.labels[0];
      var named = label ? label.textContent.replace(/\*/g, "").trim() + ": " : "";
      if (input) {
        input.classList.add("is-invalid");
        input.setAttribute("aria-invalid", "true");
      }
      [].concat(errors[field]).forEach(function (error) {
        if (field !== "sections" || !error || typeof error !== "object") {
          texts = texts.concat(
            messagesIn(error).map(function (text) {
              return named + text;
            }),
          );
          return;
        }
        // A section's own errors come keyed by its position: named by its heading instead.
        Object.keys(error).forEach(function (index) {
          var said = messagesIn(error[index]).join(" ");
          var section = sent.sections[index];
          if (said) {
            texts.push(section ? section.name + ": " + said : said);
          }
        });
      });
    });
    return texts.join(" ");
  }

  function save() {
    timer = null;
    if (!dirty || inFlight || stopped || submitting) {
      return;
    }
    inFlight = true;
    editedDuringFlight = false;
    var body = content();
    body.version = currentVersion();
    body.autosave = true;
    say(form.dataset.msgSaving);
    fetch(url, {
      method: "PATCH",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { status: response.status, ok: response.ok, data: data };
          });
      })
      .catch(function () {
        return { status: 0, ok: false, data: {} };
      })
      .then(function (answer) {
        inFlight = false;
        if (waitingSubmitter) {
          if (answer.ok) {
            versionInput.value = answer.data.version;
          }
          submitNow(waitingSubmitter);
          return;
        }
        if (answer.ok) {
          versionInput.value = answer.data.version;
          delay = INTERVAL;
          clearRefused();
          if (editedDuringFlight) {
            keepLocally();
            schedule(INTERVAL);
          } else {
            dirty = false;
            forgetLocally();
            say(form.dataset.msgSaved + " (" + timeNow() + ")");
          }
        } else if (answer.status === 0 || answer.status >= 500 || answer.status === 429) {
          say(form.dataset.msgOffline);
          delay = Math.min(delay * 2, MAX_DELAY);
          schedule(delay);
        } else if (answer.status === 409) {
          stopped = true;
          say(form.dataset.msgConflict);
        } else {
          say(form.dataset.msgInvalid + " " + refusal(answer, body));
        }
      });
  }

  function edited() {
    dirty = true;
    if (inFlight) {
      editedDuringFlight = true;
    }
    keepLocally();
    if (timer === null && !inFlight) {
      schedule(INTERVAL);
    }
  }

  function saveSoon() {
    if (dirty) {
      schedule(0);
    }
  }

  function apply(copy) {
    titleInput.value = copy.title;
    var texts = {};
    copy.sections.forEach(function (section) {
      texts[section.name] = section.text;
    });
    sectionInputs.forEach(function (input) {
      if (Object.prototype.hasOwnProperty.call(texts, input.dataset.section)) {
        input.value = texts[input.dataset.section];
      }
    });
  }

  function sameAsForm(copy) {
    return JSON.stringify({ title: copy.title, sections: copy.sections }) === JSON.stringify(content());
  }

  function offerLocalCopy() {
    if (form.dataset.unsaved) {
      // The server refused the last Save: the fields hold the text it did not take.
      keepLocally();
      say(form.dataset.msgUnsaved);
      return;
    }
    var copy = readLocal();
    if (!copy || !copy.sections) {
      return;
    }
    if (sameAsForm(copy)) {
      // The server got the text after all (e.g. the last save went out as the tab closed).
      forgetLocally();
      say(form.dataset.msgSaved);
      return;
    }
    if (copy.version === currentVersion()) {
      apply(copy);
      say(form.dataset.msgRestored);
      dirty = true;
      schedule(0);
      return;
    }
    restoreBox.querySelector("[data-role=message]").textContent = form.dataset.msgStale;
    restoreBox.hidden = false;
    restoreBox.querySelector("[data-role=restore]").addEventListener("click", function () {
      apply(copy);
      restoreBox.hidden = true;
      edited();
    });
    restoreBox.querySelector("[data-role=discard]").addEventListener("click", function () {
      forgetLocally();
      restoreBox.hidden = true;
    });
  }

  [titleInput].concat(sectionInputs).forEach(function (input) {
    input.addEventListener("input", edited);
    input.addEventListener("blur", saveSoon);
  });
  window.addEventListener("online", saveSoon);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveSoon();
    }
  });
  function submitNow(submitter) {
    // The button pressed is not sent by form.submit(): it goes as a field of its own.
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = submitter.name;
    action.value = submitter.value;
    form.appendChild(action);
    submitting = true;
    keepLocally();
    form.submit();
  }

  form.addEventListener("submit", function (event) {
    // The form's POST carries the text; the local copy stays until the page shows it saved.
    window.clearTimeout(timer);
    timer = null;
    keepLocally();
    if (inFlight && event.submitter) {
      // Posted now it would carry the version this autosave is replacing (a 409).
      event.preventDefault();
      waitingSubmitter = event.submitter;
      say(form.dataset.msgSaving);
      return;
    }
    submitting = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if ((dirty || form.dataset.unsaved) && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  offerLocalCopy();
})();
