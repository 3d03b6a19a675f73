// The operations page: every 10 s while the tab is visible, fetch the panels again and put
// them in place (a failed fetch keeps what is shown). Without JavaScript the page is static.
(function () {
  "use strict";
  const panels = document.getElementById("ops-panels");
  const box = document.getElementById("ops-refresh");
  const toggle = document.getElementById("ops-auto");
  const updated = document.getElementById("ops-updated");
  if (!panels || !box || !toggle) return;
  const EVERY_MS = 10000;
  let timer = null;
  let busy = false;
  box.hidden = false;

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (toggle.checked && document.visibilityState === "visible") timer = setTimeout(refresh, EVERY_MS);
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(panels.dataset.url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (response.ok && !panels.contains(document.activeElement)) {
        panels.innerHTML = await response.text();
        const time = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
        updated.textContent = `${updated.dataset.label} ${time}`;
      }
    } catch (error) {
      // The network or the site is down: keep the last panels and try again later.
    } finally {
      busy = false;
      schedule();
    }
  }

  toggle.addEventListener("change", schedule);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && toggle.checked) refresh();
    else schedule();
  });
  schedule();
})();
