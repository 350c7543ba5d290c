/*
 * Trend charts of the household page: one line chart per instrument domain.
 *
 * The data come from the json_script element "measurement-trends"; every
 * chart has a data table next to it with the same figures, so the canvas is
 * an extra for sighted users, not the only way to read the trend. Lines
 * differ in point shape and dash as well as colour.
 */
(function () {
  "use strict";

  var COLOURS = ["#0b5394", "#b45309", "#047857", "#9d174d", "#4c1d95", "#374151", "#0e7490", "#7c2d12", "#3f6212"];
  var POINTS = ["circle", "triangle", "rect", "rectRot", "star", "crossRot", "rectRounded", "cross", "dash"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3], [], [6, 4], [2, 3], [10, 3, 2, 3], []];

  function draw() {
    var source = document.getElementById("measurement-trends");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var charts = JSON.parse(source.textContent);
    charts.forEach(function (spec) {
      var canvas = document.getElementById(spec.canvas);
      if (!canvas) {
        return;
      }
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (dataset, index) {
            var colour = COLOURS[index % COLOURS.length];
            return {
              label: dataset.label,
              data: dataset.data,
              borderColor: colour,
              backgroundColor: colour,
              pointStyle: POINTS[index % POINTS.length],
              pointRadius: 5,
              borderDash: DASHES[index % DASHES.length],
              spanGaps: true,
              tension: 0
            };
          })
        },
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            y: {
              min: spec.min,
              max: spec.max,
              ticks: { stepSize: 1, precision: 0 },
              title: { display: true, text: spec.yTitle }
            }
          },
          plugins: {
            legend: { labels: { usePointStyle: true } }
          }
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
