// A regrade's preview while it grades: every 1.5 s (while the tab is visible) ask how many
// attempts are graded; when more are, fetch the page again and put its preview in place; once
// grading is over, reload so the decision appears. Without JavaScript the page is static.
(function () {
  "use strict";
  const box = document.getElementById("regrade-progress");
  const preview = document.getElementById("preview");
  if (!box || !preview || box.dataset.status !== "running") return;
  const bar = document.getElementById("regrade-bar");
  const text = document.getElementById("progress-text");
  const EVERY_MS = 1500;
  let finished = Number(box.dataset.finished);
  let timer = null;

  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState === "visible") timer = setTimeout(poll, EVERY_MS);
  }

  async function refreshPreview() {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok || preview.contains(document.activeElement)) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("preview");
    if (fresh) preview.innerHTML = fresh.innerHTML;
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.finished;
        text.textContent = text.dataset.template.replace("{finished}", state.finished).replace("{total}", state.total);
        if (state.status !== "running") {
          window.location.reload();
          return;
        }
        if (state.finished !== finished) {
          finished = state.finished;
          await refreshPreview();
        }
      }
    } catch (error) {
      // The network or the site is down: keep what is shown and ask again later.
    }
    schedule();
  }

  document.addEventListener("visibilitychange", schedule);
  schedule();
})();
