// The coding exercise's editor: CodeMirror (vendor/codemirror.bundle.js) in place of
// the textarea, kept in sync with it so the form posts `source` as before; the byte
// count and the size limit; the draft, autosaved to the server. Without JavaScript
// the page is a plain textarea and a submit button; without the bundle, this still
// counts bytes and saves drafts from the textarea.
(function () {
  "use strict";
  const area = document.getElementById("source");
  const form = document.getElementById("code-form");
  if (!area || !form) return;
  const maxBytes = Number(area.dataset.maxBytes) || 65536;
  const encoder = new TextEncoder();
  const submit = document.getElementById("submit-code");
  const submitDisabled = submit.disabled; // attempts used up: stays so whatever the size
  const bar = document.getElementById("editor-bar");
  const counter = document.getElementById("byte-count");
  const sizeError = document.getElementById("size-error");
  const draftStatus = document.getElementById("draft-status");
  const lang = (document.documentElement.lang || "en").split("-")[0];
  const label = form.dataset;
  const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined); // 65.536 in pt-BR
  // The Content-Security-Policy nonce on this script's tag: CodeMirror's <style> element needs it.
  const nonce = (document.currentScript && document.currentScript.nonce) || "";

  // --- the editor ---------------------------------------------------------------------
  const THEME_KEY = "editor-theme";
  let editor = null;
  if (window.CourseEditor) {
    const mount = document.createElement("div");
    mount.className = "editor-mount";
    area.insertAdjacentElement("afterend", mount);
    const dark = localStorage.getItem(THEME_KEY) === "dark";
    editor = window.CourseEditor.create({
      parent: mount,
      doc: area.value,
      label: document.getElementById("source-label").textContent.trim(),
      dark: dark,
      lang: lang,
      nonce: nonce,
      onChange: function (text) {
        area.value = text;
        changed();
      },
    });
    area.hidden = true;
    document.getElementById("source-label").addEventListener("click", function () {
      editor.focus();
    });
    const toggle = document.getElementById("editor-theme");
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", String(dark));
    mount.classList.toggle("dark", dark);
    toggle.addEventListener("click", function () {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", String(on));
      mount.classList.toggle("dark", on);
      editor.setDark(on);
      try {
        localStorage.setItem(THEME_KEY, on ? "dark" : "light");
      } catch (e) {
        // Storage refused (private mode): the choice lasts for this page only.
      }
    });
    document.getElementById("editor-hint").hidden = false;
    const errorLine = Number(area.dataset.errorLine);
    if (errorLine) editor.markErrorLine(errorLine);
    window.courseEditor = editor; // for the browser tests, and the curious
  } else {
    // The bundle did not load: the textarea, with Tab inserting four spaces.
    area.addEventListener("keydown", function (event) {
      if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      area.setRangeText("    ", area.selectionStart, area.selectionEnd, "end");
      changed();
    });
    area.addEventListener("input", changed);
  }
  bar.hidden = false;

  // --- size ---------------------------------------------------------------------------
  function size() {
    return encoder.encode(area.value).length;
  }

  function showSize() {
    const bytes = size();
    const over = bytes - maxBytes;
    counter.textContent = numbers.format(bytes) + " / " + numbers.format(maxBytes) + " " + label.labelBytes;
    counter.classList.toggle("error", over > 0);
    sizeError.hidden = over <= 0;
    sizeError.textContent = over > 0 ? label.labelOver.replace("{over}", numbers.format(over)).replace("{max}", numbers.format(maxBytes)) : "";
    submit.disabled = submitDisabled || over > 0;
    return over <= 0;
  }

  // --- the draft ----------------------------------------------------------------------
  const DEBOUNCE_MS = 1500;
  const RETRY_MS = 10000;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let dirty = form.dataset.unsaved === "true"; // text the server does not have yet
  let timer = null;
  let saving = false;
  let leaving = false; // submitting or discarding: the draft is about to be gone

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(save, ms);
  }

  function changed() {
    dirty = true;
    showSize();
    schedule(DEBOUNCE_MS);
  }

  function say(text) {
    if (draftStatus.textContent !== text) draftStatus.textContent = text;
  }

  function time(iso) {
    const when = iso ? new Date(iso) : new Date();
    return when.toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function post(text, keepalive) {
    return fetch(form.dataset.draftUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ source: text }),
      credentials: "same-origin",
      redirect: "error", // a login page is not a saved draft
      keepalive: keepalive,
    });
  }

  function save() {
    clearTimeout(timer);
    if (!dirty || leaving) return;
    if (saving) return schedule(DEBOUNCE_MS);
    if (!showSize()) return say(label.labelNotSavedLarge); // saved again once it fits
    const text = area.value;
    saving = true;
    dirty = false;
    post(text, false)
      .then(function (response) {
        if (response.status === 429) {
          const wait = Number(response.headers.get("Retry-After")) || 30;
          throw { retry: wait * 1000 };
        }
        if (!response.ok) throw { retry: RETRY_MS };
        return response.json();
      })
      .then(function (body) {
        say(label.labelSaved + " " + time(body.saved_at));
      })
      .catch(function (failure) {
        // Keep the text as unsaved and try again later; a newer edit will also save it.
        dirty = true;
        say(label.labelSaveFailed);
        schedule((failure && failure.retry) || RETRY_MS);
      })
      .finally(function () {
        saving = false;
      });
  }

  // Leaving or hiding the page: one last save that outlives the page.
  function flush() {
    if (!dirty || leaving || size() > maxBytes) return;
    clearTimeout(timer);
    dirty = false;
    post(area.value, true).catch(function () {
      dirty = true;
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);
  form.addEventListener("submit", function () {
    leaving = true; // a successful submission deletes the draft; a refused one comes back unsaved
    clearTimeout(timer);
  });
  const discard = document.getElementById("discard-draft");
  if (discard) {
    discard.addEventListener("submit", function () {
      leaving = true;
      clearTimeout(timer);
    });
  }
  // bfcache: a page shown again from history is live again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) leaving = false;
  });

  showSize();
  if (dirty) schedule(DEBOUNCE_MS);
  // A refused submission comes back as this page with the reason under the editor: on a phone
  // that is screens below the top, so it is brought into view.
  const refused = form.querySelector("p.error[role=alert]");
  if (refused) refused.scrollIntoView({ block: "center" });
})();
