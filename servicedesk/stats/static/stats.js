/* The dashboard's charts: Chart.js (vendored, served from the project) draws each
   figure's series from the JSON next to its canvas; the table below holds the numbers. */
(function () {
  "use strict";
  var COLOURS = ["#005a9c", "#c2410c", "#2e7d32", "#6a1b9a", "#b8860b", "#00838f"];

  function options(spec) {
    var unit = spec.unit ? " " + spec.unit : "";
    var scales = spec.type === "doughnut" ? {} : {
      x: { ticks: { color: "#1f2933", autoSkip: true, maxRotation: 0 } },
      y: { beginAtZero: true, ticks: { color: "#1f2933" } }
    };
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      scales: scales,
      plugins: {
        legend: { display: spec.datasets.length > 1 || spec.type === "doughnut",
                  labels: { color: "#1f2933" } },
        tooltip: { callbacks: { label: function (item) {
          return item.dataset.label + ": " + item.formattedValue + unit;
        } } }
      }
    };
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: set.label, data: set.data, spanGaps: false,
        borderColor: spec.type === "doughnut" ? "#fff" : colour,
        backgroundColor: spec.type === "doughnut" ? COLOURS.slice(0, set.data.length) :
          (spec.type === "line" ? colour : colour),
        pointRadius: spec.labels.length > 60 ? 0 : 2, borderWidth: 2
      };
    });
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets },
                        options: options(spec) });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
