// The similarity page while a computation runs: ask for the runs' status every few seconds and,
// once one that was running is done or failed, load the page again to show its pairs.
(function () {
  "use strict";
  const live = document.getElementById("sim-live");
  const waiting = new Set(Array.from(document.querySelectorAll("[data-active]"), (el) => el.dataset.active));
  if (!live || waiting.size === 0) return;
  const started = Date.now();
  const LIMIT_MS = 15 * 60 * 1000; // a lost worker: stop asking after a while
  async function poll() {
    if (Date.now() - started > LIMIT_MS) return;
    try {
      const response = await fetch(live.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        const active = new Set(data.active || []);
        if ([...waiting].some((slug) => !active.has(slug))) {
          live.textContent = live.dataset.doneText;
          window.location.reload();
          return;
        }
      }
    } catch (err) {
      // The server is restarting, or the network blinked: ask again next time.
    }
    window.setTimeout(poll, 3000);
  }
  window.setTimeout(poll, 2000);
})();
