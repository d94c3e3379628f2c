/* Draws the charts of a page from data the server put in <script type="application/json">
   (Django's json_script): <div data-chart="KIND" data-source="ID-OF-THE-JSON">.
   Amounts arrive as exact decimal strings; they become numbers only here, for drawing. The
   table next to each chart holds the same figures for everyone who cannot see the chart.

   Other pages add their own kinds from their own deferred script:
     zqCharts.register("trend", function (element, data) { return echarts.init(element); });
   Charts are drawn once the page is parsed (after every deferred script has registered), and
   again inside content that htmx swaps in. */
(function () {
  "use strict";

  var kinds = {};
  var drawn = [];

  function register(kind, draw) {
    kinds[kind] = draw;
  }

  function drawIn(root) {
    if (typeof echarts === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var draw = kinds[element.getAttribute("data-chart")];
      var source = document.getElementById(element.getAttribute("data-source"));
      if (!draw || !source || echarts.getInstanceByDom(element)) return;
      var chart = draw(element, JSON.parse(source.textContent));
      if (chart) drawn.push(chart);
    });
  }

  function resizeAll() {
    drawn.forEach(function (chart) {
      if (!chart.isDisposed()) chart.resize();
    });
  }

  register("investment", function (element, data) {
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      title: { text: data.label, left: "center", textStyle: { fontSize: 13, fontWeight: "normal", color: "#1b1f24" } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months, axisLabel: { color: "#4a5360" } },
      yAxis: { type: "value", axisLabel: { color: "#4a5360" } },
      series: [{ type: "bar", data: data.amounts.map(Number), itemStyle: { color: "#0a4fa0" } }]
    });
    return chart;
  });

  window.zqCharts = { register: register, drawIn: drawIn };

  // A deferred script runs before DOMContentLoaded; waiting for it lets later scripts register.
  if (document.readyState === "complete") {
    drawIn(document);
  } else {
    document.addEventListener("DOMContentLoaded", function () { drawIn(document); });
  }
  document.addEventListener("htmx:afterSettle", function (event) { drawIn(event.target); });
  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
})();
