// Draws the trend chart from the figures the page put in a json_script block; the table next to it holds the same figures.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("trend-data");
    var canvas = document.getElementById("trend-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var colours = ["#1f3d7a", "#2e7d32", "#8a4b00"];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, index) {
          return { label: series.label, data: series.data, borderColor: colours[index % colours.length], spanGaps: false };
        }),
      },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
