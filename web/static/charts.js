/* Charts from data the page carries as JSON (<script type="application/json">, never executed), drawn with the
   vendored Chart.js (vendor/chart.umd.min.js). Card colours, water-class colours and the target line. */
(function () {
  "use strict";
  if (!window.Chart) return;
  const COLOURS = {yellow: "#ffd400", red: "#c4001a", overdue: "#111111"};
  const EDGES = {yellow: "#5c4d00", red: "#7a0010", overdue: "#111111"};
  const LINES = ["#0b3d91", "#0a6b2d", "#8a3ffc", "#b35900", "#007d79", "#9f1853", "#5a5a5a"];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 15;
  Chart.defaults.color = "#111";
  Chart.defaults.animation = false;  // draw at once: tablets are slow, and a chart should not move under a finger

  function countChart(spec) {
    const line = spec.type === "line";
    return {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((set) => ({
          label: set.label, data: set.data, backgroundColor: COLOURS[set.colour] || "#0b3d91",
          borderColor: EDGES[set.colour] || "#0b3d91", borderWidth: line ? 3 : 1, pointRadius: line ? 4 : 0,
          tension: 0, fill: false,
        })),
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: {x: {stacked: !!spec.stacked}, y: {stacked: !!spec.stacked, beginAtZero: true, ticks: {precision: 0}}},
        plugins: {legend: {position: "bottom"}},
      },
    };
  }

  function classChart(spec) {
    const names = spec.classLabels;
    let n = 0;
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((set) => {
          const colour = set.target ? "#c4001a" : LINES[n++ % LINES.length];
          return {label: set.label, data: set.data, borderColor: colour, backgroundColor: colour,
                  borderWidth: set.target ? 2 : 3, borderDash: set.target ? [8, 6] : [],
                  pointRadius: set.target ? 0 : 5, spanGaps: false, tension: 0, fill: false};
        }),
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        scales: {y: {min: 1, max: 6, reverse: true, ticks: {stepSize: 1, callback: (value) => names[value] || ""}}},
        plugins: {
          legend: {position: "bottom"},
          tooltip: {callbacks: {label: (item) => `${item.dataset.label}: ${names[item.raw] || "-"}`}},
        },
      },
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    new Chart(canvas, spec.scale === "water_class" ? classChart(spec) : countChart(spec));
    canvas.dataset.rendered = "1";
  });
})();
