// Draws a deployment page's charts with Chart.js: the drift heatmap (with the
// chartjs-chart-matrix plugin), performance over time and the KPI trends. The data comes from
// the page's <script type="application/json" id="monitoring-data"> block, never from inline
// script, so a Content-Security-Policy without 'unsafe-inline' allows it. Without JavaScript
// the chart boxes stay hidden and the tables beside them carry the same values; once a chart
// is drawn its table folds away (one click opens it again).
(function () {
  "use strict";
  var source = document.getElementById("monitoring-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var style = getComputedStyle(document.documentElement);
  function cssVar(name, fallback) {
    return style.getPropertyValue(name).trim() || fallback;
  }
  var accent = cssVar("--accent", "#2457c5");
  var muted = cssVar("--muted", "#5b6478");
  var bad = cssVar("--bad", "#b42318");
  var good = cssVar("--good", "#1a7f37");
  var palette = [accent, "#8a3ffc", "#007d79", "#b28600"];

  // Shows a chart's box (charts measure their box when created) and folds its table.
  function reveal(section, kind) {
    section.querySelectorAll('[data-chart="' + kind + '"]').forEach(function (el) {
      el.hidden = false;
    });
  }
  function fold(element) {
    var details = element.closest("figure, section").querySelector("details.numbers");
    if (details) {
      details.open = false;
    }
  }

  // --- the drift heatmap ----------------------------------------------------------------------

  function mix(from, to, t) {
    var a = parseInt(from.slice(1), 16);
    var b = parseInt(to.slice(1), 16);
    var channels = [16, 8, 0].map(function (shift) {
      var x = (a >> shift) & 255;
      var y = (b >> shift) & 255;
      return Math.round(x + (y - x) * t);
    });
    return "rgb(" + channels.join(",") + ")";
  }
  // 0 → pale, 1 (the threshold) → amber, 3 and above → dark red; grey when not compared.
  function heatColour(cell, threshold) {
    if (cell.v === null || cell.v === undefined) {
      return "#c9ced8";
    }
    var v = cell.v / threshold;
    if (v < 1) {
      return mix("#eef3fb", "#f2c14e", Math.max(0, v));
    }
    return mix("#e0793c", "#8f1d12", Math.min(1, (v - 1) / 2));
  }

  function drawHeatmap(heat) {
    var canvas = document.getElementById("drift-heatmap");
    if (!canvas || !heat || !heat.y.length) {
      return;
    }
    var section = canvas.closest("section");
    reveal(section, "heatmap");
    var box = canvas.parentElement;
    box.style.height = Math.max(140, heat.y.length * 28 + 80) + "px";
    var columns = heat.x.length;
    var rows = heat.y.length;
    new Chart(canvas, {
      type: "matrix",
      data: {
        datasets: [{
          label: "drift score",
          data: heat.cells,
          backgroundColor: function (ctx) {
            var cell = ctx.dataset.data[ctx.dataIndex];
            return cell ? heatColour(cell, heat.threshold) : "transparent";
          },
          borderColor: "#ffffff",
          borderWidth: 1,
          width: function (ctx) {
            var area = ctx.chart.chartArea;
            return area ? Math.max(1, area.width / columns - 1) : 10;
          },
          height: function (ctx) {
            var area = ctx.chart.chartArea;
            return area ? Math.max(1, area.height / rows - 1) : 10;
          }
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: "category", labels: heat.x, offset: true, grid: { display: false },
            ticks: { color: muted, maxRotation: 60, autoSkip: true }
          },
          y: {
            type: "category", labels: heat.y, offset: true, reverse: false, grid: { display: false },
            ticks: { color: muted }
          }
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) {
                var cell = items[0].raw;
                return cell.y + " · " + cell.x;
              },
              label: function (item) {
                var cell = item.raw;
                if (cell.v === null || cell.v === undefined) {
                  return ["not compared: " + (cell.skipped || "no reason given")];
                }
                var head = "drift score " + cell.v.toFixed(2) + (cell.drifted ? " (drifted)" : "");
                return [head].concat(cell.methods);
              }
            }
          }
        }
      }
    });
    fold(canvas);
  }

  // --- performance over time ------------------------------------------------------------------

  function drawPerformance(perf) {
    var canvas = document.getElementById("performance-chart");
    if (!canvas || !perf) {
      return;
    }
    reveal(canvas.closest("section"), "performance");
    var datasets = perf.metrics.map(function (metric, i) {
      var colour = palette[i % palette.length];
      return {
        label: metric.name, data: metric.values, yAxisID: "y",
        borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 2, spanGaps: false
      };
    });
    datasets.push({
      label: "labelled (%)",
      data: perf.labelled_share.map(function (v) { return v === null ? null : v * 100; }),
      yAxisID: "share", borderColor: muted, backgroundColor: muted, borderDash: [4, 4],
      borderWidth: 1.5, pointRadius: 0, spanGaps: false
    });
    var binary = perf.task === "binary";
    new Chart(canvas, {
      type: "line",
      data: { labels: perf.x, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { color: muted, maxRotation: 60, autoSkip: true } },
          y: { min: binary ? 0 : undefined, max: binary ? 1 : undefined, ticks: { color: muted } },
          share: {
            position: "right", min: 0, max: 100, grid: { display: false },
            title: { display: true, text: "% labelled", color: muted }, ticks: { color: muted }
          }
        },
        plugins: { legend: { labels: { boxWidth: 12, color: muted } } }
      }
    });
    fold(canvas);
  }

  // --- KPI trends -----------------------------------------------------------------------------

  function constant(length, value) {
    var line = [];
    for (var i = 0; i < length; i++) {
      line.push(value);
    }
    return line;
  }

  function drawKpis(kpis) {
    (kpis || []).forEach(function (kpi) {
      var canvas = document.querySelector('canvas[data-kpi="' + kpi.id + '"]');
      if (!canvas) {
        return;
      }
      reveal(canvas.closest("figure"), "kpi");
      new Chart(canvas, {
        type: "line",
        data: {
          labels: kpi.x,
          datasets: [
            {
              label: kpi.name, data: kpi.values, borderColor: accent, backgroundColor: accent,
              borderWidth: 2, pointRadius: 3, spanGaps: true
            },
            {
              label: "alert threshold " + kpi.threshold, data: constant(kpi.x.length, kpi.threshold),
              borderColor: bad, backgroundColor: bad, borderWidth: 1.5, pointRadius: 0
            },
            {
              label: "target " + kpi.target, data: constant(kpi.x.length, kpi.target),
              borderColor: good, backgroundColor: good, borderDash: [6, 4], borderWidth: 1.5,
              pointRadius: 0
            }
          ]
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: {
            x: { ticks: { color: muted, maxRotation: 60, autoSkip: true } },
            y: { ticks: { color: muted } }
          },
          plugins: { legend: { labels: { boxWidth: 12, color: muted } } }
        }
      });
      fold(canvas);
    });
  }

  drawHeatmap(data.heatmap);
  drawPerformance(data.performance);
  drawKpis(data.kpis);
})();
