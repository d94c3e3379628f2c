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
  // Tooltips drawn inside the chart, not as HTML: ECharts writes its HTML tooltips with style
  // attributes, which the Content-Security-Policy refuses.
  var TOOLTIP_MODE = "richText";

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
      if (chart) {
        drawn.push(chart);
        // Pages hide a chart box until it is drawn (the table beside it has the figures).
        element.setAttribute("data-drawn", "");
        chart.resize();
      }
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
      tooltip: { trigger: "axis", renderMode: TOOLTIP_MODE },
      xAxis: { type: "category", data: data.months, axisLabel: { color: "#4a5360" } },
      yAxis: { type: "value", axisLabel: { color: "#4a5360" } },
      series: [{ type: "bar", data: data.amounts.map(Number), itemStyle: { color: "#0a4fa0" } }]
    });
    return chart;
  });

  var INK = "#4a5360";
  var BLUE = "#0a4fa0";
  var GREY = "#9aa3ad";
  var ORANGE = "#b35c00";

  // Decimal strings (null where there is no figure) become numbers only for drawing.
  function numbers(values) {
    return values.map(function (value) { return value === null ? null : Number(value); });
  }

  function init(element) {
    return echarts.init(element, null, { renderer: "svg" });
  }

  // Each region's investment this year next to its target (dashboard).
  register("target-bars", function (element, data) {
    var chart = init(element);
    chart.setOption({
      animation: false,
      legend: { top: 0, textStyle: { color: INK } },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: TOOLTIP_MODE },
      xAxis: { type: "value", axisLabel: { color: INK } },
      yAxis: { type: "category", inverse: true, data: data.regions, axisLabel: { color: INK } },
      series: [
        { name: data.labels.investment, type: "bar", data: numbers(data.investment), itemStyle: { color: BLUE } },
        { name: data.labels.target, type: "bar", data: numbers(data.target), itemStyle: { color: GREY } }
      ]
    });
    return chart;
  });

  // The city's projects by the stage they are at now: a funnel read top to bottom.
  register("stages", function (element, data) {
    var chart = init(element);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: TOOLTIP_MODE },
      xAxis: { type: "value", minInterval: 1, axisLabel: { color: INK } },
      yAxis: { type: "category", inverse: true, data: data.stages, axisLabel: { color: INK } },
      series: [{
        name: data.label, type: "bar", data: data.counts, itemStyle: { color: BLUE },
        label: { show: true, position: "right", color: INK }
      }]
    });
    return chart;
  });

  // Monthly investment, this year against last year.
  register("trend", function (element, data) {
    var chart = init(element);
    chart.setOption({
      animation: false,
      legend: { top: 0, textStyle: { color: INK } },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: TOOLTIP_MODE },
      xAxis: { type: "category", data: data.months, axisLabel: { color: INK } },
      yAxis: { type: "value", name: data.unit, nameTextStyle: { color: INK }, axisLabel: { color: INK } },
      series: data.series.map(function (line, index) {
        return {
          name: line.name, type: "line", data: numbers(line.values), connectNulls: false,
          symbolSize: 6, lineStyle: { width: index === 0 ? 3 : 2, type: index === 0 ? "solid" : "dashed" },
          itemStyle: { color: index === 0 ? BLUE : ORANGE }
        };
      })
    });
    return chart;
  });

  // A region's rank in the weekly bulletins: rank 1 on top.
  register("rank", function (element, data) {
    var chart = init(element);
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: TOOLTIP_MODE },
      xAxis: { type: "category", data: data.labels, axisLabel: { color: INK } },
      yAxis: { type: "value", inverse: true, min: 1, max: data.max, minInterval: 1, axisLabel: { color: INK } },
      series: [{ name: data.label, type: "line", data: data.ranks, symbolSize: 7, itemStyle: { color: BLUE } }]
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
