// Draws the console dashboard's charts with Chart.js (bot/static/vendor/chart.umd.min.js).
// The numbers come from the JSON block the server writes (#dashboard-data): no inline script, so the
// page keeps its Content-Security-Policy (script-src 'self').
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || typeof Chart === "undefined") return;
  var data = JSON.parse(block.textContent);
  var colors = { answered: "#15803d", suggested: "#ca8a04", unanswered: "#b91c1c", line: "#0b5394" };
  var names = { answered: "Trả lời", suggested: "Gợi ý", unanswered: "Chưa trả lời" };
  Chart.defaults.font.family = "system-ui, sans-serif";
  Chart.defaults.animation = false; // instant, and identical in screenshots
  Chart.defaults.locale = "vi-VN"; // 1.500, not 1,500

  function canvas(id) { return document.getElementById(id); }

  var daily = null;
  function dailySeries(days) {
    return {
      labels: data.days.slice(-days),
      datasets: ["answered", "suggested", "unanswered"].map(function (s) {
        return { label: names[s], data: data.per_day[s].slice(-days), backgroundColor: colors[s], stack: "q" };
      })
    };
  }
  if (canvas("chart-daily")) {
    daily = new Chart(canvas("chart-daily"), {
      type: "bar",
      data: dailySeries(30),
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, title: { display: true, text: "Ngày" }, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Số câu hỏi" } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: function (items) {
                var i = data.days.length - items[0].chart.data.labels.length + items[0].dataIndex;
                return data.dates[i].split("-").reverse().join("/");
              }
            }
          }
        }
      }
    });
    document.querySelectorAll("[data-range]").forEach(function (button) {
      button.addEventListener("click", function () {
        var days = parseInt(button.getAttribute("data-range"), 10);
        var series = dailySeries(days);
        daily.data.labels = series.labels;
        series.datasets.forEach(function (d, i) { daily.data.datasets[i].data = d.data; });
        daily.update();
        document.querySelectorAll("[data-range]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
      });
    });
  }

  if (canvas("chart-rate")) {
    new Chart(canvas("chart-rate"), {
      type: "line",
      data: {
        labels: data.weeks.labels,
        datasets: [
          { label: "Trả lời ngay", data: data.weeks.answered, borderColor: colors.answered,
            backgroundColor: colors.answered, spanGaps: true },
          { label: "Trả lời hoặc gợi ý", data: data.weeks.helped, borderColor: colors.suggested,
            backgroundColor: colors.suggested, borderDash: [6, 4], spanGaps: true }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { title: { display: true, text: "Tuần (bắt đầu thứ Hai)" } },
          y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + item.formattedValue + "%"; },
              footer: function (items) { return data.weeks.total[items[0].dataIndex] + " câu hỏi"; }
            }
          }
        }
      }
    });
  }

  function horizontal(id, series, color) {
    if (!canvas(id)) return;
    new Chart(canvas(id), {
      type: "bar",
      data: { labels: series.labels, datasets: [{ label: "Số câu hỏi", data: series.values, backgroundColor: color }] },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false,
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { ticks: { callback: function (v) { // long sector names cut on the axis, whole in the tooltip
            var label = this.getLabelForValue(v);
            return label.length > 22 ? label.slice(0, 21) + "…" : label;
          } } }
        },
        plugins: { legend: { display: false } }
      }
    });
  }
  horizontal("chart-channels", data.channels, colors.line);
  horizontal("chart-sectors", data.sectors, "#2563eb");
})();
