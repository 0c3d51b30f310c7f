// Survey results charts (ECharts, canvas renderer): the expectation-perception gap per service
// dimension and the monthly trend. Data comes from the page's "survey-charts" JSON island; each
// chart is role=img, named by its heading and described by the table of the same numbers.
(function () {
  "use strict";
  var BUILD = {
    gap: function (data, el) {
      var rows = data.gap || [];
      if (!rows.length) return null;
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [el.dataset.expectation, el.dataset.perception, el.dataset.gap] },
        grid: { left: 50, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.dimension; }), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value" },
        series: [
          { type: "bar", name: el.dataset.expectation, data: rows.map(function (r) { return r.expectation; }), itemStyle: { color: "#6b6b6b" } },
          { type: "bar", name: el.dataset.perception, data: rows.map(function (r) { return r.perception; }), itemStyle: { color: "#1f5fa8" } },
          { type: "bar", name: el.dataset.gap, data: rows.map(function (r) {
              return { value: r.gap, itemStyle: { color: r.gap < 0 ? "#a4161a" : "#1d6b36" } }; }),
            label: { show: true, position: "top" } }
        ]
      };
    },
    trend: function (data, el) {
      var rows = data.trend || [];
      if (!rows.length) return null;
      return {
        tooltip: { trigger: "axis" },
        legend: { top: 0, data: [el.dataset.nps, el.dataset.csat] },
        grid: { left: 50, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
        yAxis: { type: "value", min: -100, max: 100 },
        series: [
          { type: "line", name: el.dataset.nps, data: rows.map(function (r) { return r.nps; }), itemStyle: { color: "#1f5fa8" } },
          { type: "line", name: el.dataset.csat, data: rows.map(function (r) { return r.csat; }), itemStyle: { color: "#1d6b36" } }
        ]
      };
    }
  };
  function render() {
    var source = document.getElementById("survey-charts");
    if (typeof echarts === "undefined" || !source) return;
    var data = JSON.parse(source.textContent);
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll("[data-survey-chart]").forEach(function (el) {
      var build = BUILD[el.dataset.surveyChart];
      if (!build || el.dataset.rendered) return;
      var option = build(data, el);
      if (!option) { el.hidden = true; return; }
      option.aria = { enabled: false };
      option.animation = !reduceMotion;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", render);
})();
