// The softmax lab: a temperature slider redraws the probability of each token,
// so students see the distribution flatten (high T) or peak (T near 0).
(function () {
  "use strict";
  const lab = document.getElementById("softmax-lab");
  if (!lab) return;
  const tokens = JSON.parse(lab.dataset.tokens);
  const logits = JSON.parse(lab.dataset.logits);
  const slider = document.getElementById("temperature");
  const shown = document.getElementById("temperature-value");
  const bars = document.getElementById("bars");
  const decimal = document.documentElement.lang.startsWith("pt") ? "," : ".";

  function softmax(values, temperature) {
    const scaled = values.map((v) => v / temperature);
    const top = Math.max(...scaled);
    const exps = scaled.map((v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  }

  function draw() {
    const temperature = Number(slider.value);
    shown.textContent = temperature.toFixed(2).replace(".", decimal);
    bars.replaceChildren();
    softmax(logits, temperature).forEach((p, i) => {
      const row = document.createElement("div");
      row.className = "bar-row";
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = tokens[i];
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = (p * 100).toFixed(1) + "%";
      const value = document.createElement("span");
      value.className = "bar-value";
      value.textContent = (p * 100).toFixed(1).replace(".", decimal) + "%";
      row.append(label, bar, value);
      bars.appendChild(row);
    });
  }

  slider.addEventListener("input", draw);
  draw();
})();
