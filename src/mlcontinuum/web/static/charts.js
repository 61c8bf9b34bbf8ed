// Draws the metric series of a run page with Chart.js. The data comes from the page's
// <script type="application/json" id="metric-series"> block, never from inline script, so a
// Content-Security-Policy without 'unsafe-inline' allows it. Without JavaScript the charts
// section stays hidden and the metrics table carries the values.
(function () {
  "use strict";
  var source = document.getElementById("metric-series");
  var section = document.getElementById("charts");
  if (!source || !section || typeof Chart === "undefined") {
    return;
  }
  var series = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  var accent = style.getPropertyValue("--accent").trim() || "#2457c5";
  var muted = style.getPropertyValue("--muted").trim() || "#5b6478";
  // Charts measure their box when created, so the section must be visible first.
  section.hidden = false;
  section.querySelectorAll("canvas[data-metric]").forEach(function (canvas) {
    var points = series[canvas.dataset.metric] || [];
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [{
          label: canvas.dataset.metric,
          // null (NaN or infinite) stays null: the line shows a gap there.
          data: points.map(function (p) { return { x: p[0], y: p[1] }; }),
          borderColor: accent,
          backgroundColor: accent,
          borderWidth: 2,
          pointRadius: points.length > 40 ? 0 : 2,
          spanGaps: false
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: "linear", title: { display: true, text: "step", color: muted }, ticks: { color: muted } },
          y: { ticks: { color: muted } }
        },
        plugins: { legend: { display: false } }
      }
    });
  });
})();
