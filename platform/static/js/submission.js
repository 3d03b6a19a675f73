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

  // Writes only what changed: rewriting the same text into the live status line would announce it again.
  function text(el, value) {
    const next = value == null ? "" : String(value);
    if (el.textContent !== next) el.textContent = next;
  }
  const pageNumbers = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 3 });
  function fmt(n) { return n == null ? "" : pageNumbers.format(n); }
  const steps = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 0 });

  function render(data) {
    const status = document.getElementById("status");
    status.className = "badge " + data.status;
    text(status, data.status_label);
    text(document.getElementById("score"), data.score == null ? "" : fmt(data.score) + " / " + fmt(data.max_score));
    text(document.getElementById("score-note"), data.score_note ? "(" + data.score_note + ")" : "");
    text(document.getElementById("message"), data.message || "");
    // A failure on our side: the page says why the attempt does not count, and what to do.
    document.getElementById("not-charged").hidden = !(data.final && data.charged === false);
    // Not sent to the grader yet, or sent again after a loss: saved, graded later, not charged meanwhile.
    const delayed = document.getElementById("delayed");
    if (delayed) delayed.hidden = !(data.delayed && !data.final);

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
           card.dataset.labelStep + " " + steps.format(p.step) + "/" + steps.format(p.total) + (metrics ? " · " + metrics : ""));
    }

    chart.update(data.series, data.final ? null : data.progress);

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

  function readJSON(id) {
    const el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (err) { return null; }
  }

  // The training chart: an SVG line chart per kind of metric (accuracy apart, on its own scale),
  // drawn from the series the status JSON sends (only the new points while it runs). The caption
  // and the table are its text alternative; the server renders them first, this keeps them current.
  function trainingChart() {
    const figure = document.getElementById("chart");
    const plots = document.getElementById("chart-plots");
    const labels = readJSON("chart-labels") || {};
    const lang = document.documentElement.lang || undefined;
    const numberFormat = new Intl.NumberFormat(lang, { maximumSignificantDigits: 4 });
    const integerFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    const SVG = "http://www.w3.org/2000/svg";
    const TABLE_ROWS = 50;
    const HEIGHT = 200;
    const M = { left: 56, right: 16, top: 10, bottom: 34 };
    let names = [], points = [], count = 0, epoch = null, total = 0, latest = null, width = 0;

    function num(v) { return v == null ? "–" : numberFormat.format(v); }
    function int(v) { return integerFormat.format(v); }
    function fill(template, values) {
      return String(template || "").replace(/%\((\w+)\)s/g, (m, name) => (name in values ? values[name] : m));
    }

    // Where the next poll starts: after the points held, in the epoch they came from.
    function query() {
      return epoch == null ? "" : "?since=" + count + "&epoch=" + epoch;
    }

    function shown() {
      const last = points[points.length - 1];
      if (latest && (!last || latest.step > last[0])) {
        // The latest event, not yet (or never, once thinned) in the series: drawn at the end.
        return points.concat([[latest.step, ...names.map((n) => (n in (latest.metrics || {}) ? latest.metrics[n] : null))]]);
      }
      return points;
    }

    function update(series, progress, first) {
      let changed = false;
      if (series && Array.isArray(series.points)) {
        if (series.from === 0) { points = series.points.slice(); changed = true; }
        else if (series.from === count) { points = points.concat(series.points); changed = series.points.length > 0; }
        else { epoch = null; return; } // out of step with the server: ask for everything next time
        names = series.names || [];
        count = series.count;
        epoch = series.epoch;
        total = series.total || 0;
      }
      const step = progress ? progress.step : null;
      if (step !== (latest ? latest.step : null)) changed = true;
      latest = progress || null;
      if (!changed && !first) return;
      const rows = shown();
      figure.hidden = rows.length === 0;
      if (!rows.length) return;
      draw(rows);
      if (!first) describe(rows); // the server wrote the first caption and table
    }

    // Round ticks (1, 2, 2.5 or 5 times a power of ten). The value axis widens to the outer ticks;
    // the step axis (exact) keeps its domain, from 0 to the run's total, with ticks inside it.
    function niceTicks(lo, hi, wanted, exact) {
      if (!(hi > lo)) { const pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
      const raw = (hi - lo) / Math.max(wanted, 1);
      const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      let step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
      if (exact) step = Math.max(1, Math.round(step));
      const start = exact ? Math.ceil(lo / step) * step : Math.floor(lo / step) * step;
      const end = exact ? hi : Math.ceil(hi / step) * step;
      const ticks = [];
      for (let v = start; v <= end + 1e-9 * step && ticks.length < 20; v += step) ticks.push(Number(v.toPrecision(12)));
      return exact ? { lo, hi, ticks } : { lo: start, hi: end, ticks };
    }

    function el(name, attrs, parent) {
      const node = document.createElementNS(SVG, name);
      for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
      if (parent) parent.appendChild(node);
      return node;
    }

    function plot(rows, columns, w) {
      const values = [];
      for (const row of rows) for (const c of columns) if (row[c] != null) values.push(row[c]);
      if (!values.length) return null;
      const x = niceTicks(0, Math.max(total, rows[rows.length - 1][0], 1), Math.max(3, Math.floor((w - M.left - M.right) / 100)), true);
      const y = niceTicks(Math.min(...values), Math.max(...values), 4, false);
      const sx = (v) => M.left + ((v - x.lo) / (x.hi - x.lo)) * (w - M.left - M.right);
      const sy = (v) => M.top + (1 - (v - y.lo) / (y.hi - y.lo)) * (HEIGHT - M.top - M.bottom);
      const svg = el("svg", { viewBox: "0 0 " + w + " " + HEIGHT, width: "100%", class: "chart-svg",
                              "aria-hidden": "true", focusable: "false" });
      const grid = el("g", { class: "chart-grid" }, svg);
      for (const t of y.ticks) {
        el("line", { x1: M.left, x2: w - M.right, y1: sy(t), y2: sy(t) }, grid);
        el("text", { x: M.left - 6, y: sy(t), "text-anchor": "end", "dominant-baseline": "middle" }, grid).textContent = num(t);
      }
      for (const t of x.ticks) {
        el("line", { x1: sx(t), x2: sx(t), y1: HEIGHT - M.bottom, y2: HEIGHT - M.bottom + 4 }, grid);
        el("text", { x: sx(t), y: HEIGHT - M.bottom + 16, "text-anchor": "middle" }, grid).textContent = int(t);
      }
      el("line", { class: "chart-axis", x1: M.left, x2: w - M.right, y1: HEIGHT - M.bottom, y2: HEIGHT - M.bottom }, svg);
      el("text", { class: "chart-axis-label", x: w - M.right, y: HEIGHT - 3, "text-anchor": "end" }, svg).textContent = labels.step || "";
      for (const c of columns) {
        // A gap where a metric was not reported: one polyline per unbroken run.
        let run = [];
        const runs = [run];
        for (const row of rows) {
          if (row[c] == null) { if (run.length) runs.push(run = []); continue; }
          run.push(sx(row[0]).toFixed(1) + "," + sy(row[c]).toFixed(1));
        }
        for (const r of runs) if (r.length) el("polyline", { class: "chart-line series-" + (c - 1), points: r.join(" ") }, svg);
        const last = rows.filter((row) => row[c] != null).pop();
        if (last) el("circle", { class: "chart-dot series-" + (c - 1), cx: sx(last[0]), cy: sy(last[c]), r: 3.5 }, svg);
      }
      return svg;
    }

    function draw(rows) {
      width = Math.max(260, Math.round(plots.clientWidth || 640));
      const accuracy = [], others = [];
      names.forEach((name, i) => (/acc/i.test(name) ? accuracy : others).push(i + 1));
      const parts = [];
      for (const columns of [others, accuracy]) {
        const svg = columns.length ? plot(rows, columns, width) : null;
        if (!svg) continue;
        const box = document.createElement("div");
        box.className = "chart-plot";
        const legend = document.createElement("p");
        legend.className = "chart-legend";
        legend.setAttribute("aria-hidden", "true"); // the caption and the table say it in words
        for (const c of columns) {
          const item = document.createElement("span");
          const swatch = document.createElement("span");
          swatch.className = "chart-swatch series-" + (c - 1);
          item.append(swatch, names[c - 1]);
          legend.appendChild(item);
        }
        box.append(legend, svg);
        parts.push(box);
      }
      plots.replaceChildren(...parts);
    }

    function describe(rows) {
      const sentences = [];
      names.forEach((name, i) => {
        const valued = rows.filter((row) => row[i + 1] != null);
        if (!valued.length) return;
        const first = valued[0], last = valued[valued.length - 1];
        const values = { metric: name, first: num(first[i + 1]), last: num(last[i + 1]),
                         first_step: int(first[0]), last_step: int(last[0]) };
        let kind = "single";
        if (valued.length > 1) kind = values.first === values.last ? "stayed" : last[i + 1] < first[i + 1] ? "fell" : "rose";
        sentences.push(fill(labels[kind], values));
      });
      text(document.getElementById("chart-caption"), sentences.join(" "));

      const indices = [];
      if (rows.length <= TABLE_ROWS) for (let i = 0; i < rows.length; i++) indices.push(i);
      else for (let i = 0; i < TABLE_ROWS; i++) {
        // Evenly spaced, first and last included; integer arithmetic, as the server picks them.
        const index = Math.floor((2 * i * (rows.length - 1) + (TABLE_ROWS - 1)) / (2 * (TABLE_ROWS - 1)));
        if (indices[indices.length - 1] !== index) indices.push(index);
      }
      text(document.getElementById("chart-table-summary"), fill(labels.table, { shown: indices.length, count: rows.length }));
      const table = document.getElementById("chart-table");
      const head = document.createElement("tr");
      for (const title of [labels.step, ...names]) {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = title;
        head.appendChild(th);
      }
      table.tHead.replaceChildren(head);
      table.tBodies[0].replaceChildren(...indices.map((index) => {
        const tr = document.createElement("tr");
        rows[index].forEach((value, c) => {
          const td = document.createElement("td");
          td.textContent = c === 0 ? int(value) : num(value);
          tr.appendChild(td);
        });
        return tr;
      }));
    }

    if (window.ResizeObserver) {
      let pending = false;
      new ResizeObserver(() => {
        if (pending || figure.hidden) return;
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          if (Math.max(260, Math.round(plots.clientWidth)) !== width && shown().length) draw(shown());
        });
      }).observe(plots);
    }

    return { update, query };
  }

  async function poll() {
    try {
      const response = await fetch(url + chart.query(), { headers: { Accept: "application/json" }, credentials: "same-origin" });
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

  const chart = trainingChart();
  chart.update(readJSON("chart-series"), null, true);

  if (card.querySelector("#status").classList.contains("queued") ||
      card.querySelector("#status").classList.contains("running")) {
    timer = setTimeout(poll, 300);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !done) { clearTimeout(timer); timer = setTimeout(poll, 0); }
    });
  }
})();
