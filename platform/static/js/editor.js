// Small comforts for the code textarea: Tab inserts four spaces, and the byte
// count warns before the server would refuse an oversized submission.
(function () {
  "use strict";
  const area = document.getElementById("source");
  if (!area) return;
  const counter = document.getElementById("byte-count");
  const maxBytes = Number(area.dataset.maxBytes) || 65536;
  const encoder = new TextEncoder();

  function update() {
    const bytes = encoder.encode(area.value).length;
    counter.textContent = bytes + " / " + maxBytes + " bytes";
    counter.classList.toggle("error", bytes > maxBytes);
  }

  area.addEventListener("keydown", function (event) {
    if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const start = area.selectionStart;
    area.setRangeText("    ", start, area.selectionEnd, "end");
    update();
  });
  area.addEventListener("input", update);
  update();
})();
