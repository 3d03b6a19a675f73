// Polls the submission's status JSON until grading is final, and redraws the
// status, score and per-check feedback in place (no page reload).
(function () {
  "use strict";
  const card = document.getElementById("status-card");
  if (!card) return;
  const url = card.dataset.statusUrl;
  const baseDelay = Number(card.dataset.pollMs) || 1000;
  const hiddenDelay = 15000; // a tab in the background asks rarely; it catches up when shown again
  let delay = baseDelay;
  let timer = null;
  let done = false;

  function text(el, value) { el.textContent = value == null ? "" : String(value); }
  function fmt(n) { return n == null ? "" : String(Math.round(n * 1000) / 1000); }

  function render(data) {
    const status = document.getElementById("status");
    status.className = "badge " + data.status;
    text(status, data.status_label);
    text(document.getElementById("score"), data.score == null ? "" : fmt(data.score) + " / " + fmt(data.max_score));
    let message = data.message || "";
    if (data.final && data.charged === false) message = (message + " " + card.dataset.labelNotCharged).trim();
    text(document.getElementById("message"), message);

    const queue = document.getElementById("queue-info");
    if (queue) { text(queue, data.queue_text); queue.hidden = !data.queue_text; }

    const box = document.getElementById("progress");
    const p = data.progress;
    box.hidden = !(p && !data.final);
    if (p && !data.final) {
      const bar = document.getElementById("progress-bar");
      bar.max = Math.max(p.total, 1);
      bar.value = p.step;
      const metrics = Object.entries(p.metrics || {}).map(([k, v]) => k + " " + fmt(v)).join(" · ");
      text(document.getElementById("progress-text"),
           card.dataset.labelStep + " " + p.step + "/" + p.total + (metrics ? " · " + metrics : ""));
    }

    const table = document.getElementById("checks");
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const check of data.checks) {
      const row = document.createElement("tr");
      row.className = check.passed ? "ok" : "bad";
      for (const value of [check.title,
                           check.passed ? card.dataset.labelPassed : card.dataset.labelFailed,
                           fmt(check.score) + " / " + fmt(check.max_score),
                           check.feedback]) {
        const cell = document.createElement("td");
        text(cell, value);
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
    table.hidden = data.checks.length === 0;
    const tb = document.getElementById("traceback");
    text(tb, data.traceback);
    tb.hidden = !data.traceback;
    text(document.getElementById("stdout"), data.stdout);
    document.getElementById("stdout-box").hidden = !data.stdout;
    card.dataset.final = data.final ? "true" : "false";
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.status === 429) {
        // Over the per-minute budget: wait as long as the server says.
        delay = Math.max(delay, 1000 * (Number(response.headers.get("Retry-After")) || 10));
        timer = setTimeout(poll, delay);
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      render(data);
      if (data.final) { done = true; return; }
      delay = baseDelay;
    } catch (err) {
      delay = Math.min(delay * 2, 15000); // back off while the server is unreachable
    }
    timer = setTimeout(poll, document.hidden ? Math.max(delay, hiddenDelay) : delay);
  }

  if (card.querySelector("#status").classList.contains("queued") ||
      card.querySelector("#status").classList.contains("running")) {
    timer = setTimeout(poll, 300);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !done) { clearTimeout(timer); timer = setTimeout(poll, 0); }
    });
  }
})();
