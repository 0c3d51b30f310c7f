// Kehu's small client side: htmx CSRF header, charts, bulk select. No framework needed.
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  // Forms answer 422 with the form and its errors: swap it in (htmx 2 ignores 4xx by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // Every htmx request carries Django's CSRF token (htmx 2.x: htmx:configRequest).
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Charts: one builder per data-chart kind, fed from a JSON island (data-source, or the value
  // dashboard's "value-charts"); renderCharts does the common part for all of them.
  var TIER_COLORS = { A: "#7a4b00", B: "#1f5fa8", C: "#2e7d32", D: "#6b6b6b" };
  var CHARTS = {
    "monthly-spend": function (rows, el) {
      return { grid: { left: 60, right: 20, top: 20, bottom: 40 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
        yAxis: { type: "value" },
        series: [{ type: "bar", name: el.dataset.label, data: rows.map(function (r) { return r.total; }),
                   itemStyle: { color: "#1f5fa8" } }] };
    },
    pyramid: function (data) {
      return { tooltip: { trigger: "item" },
        series: [{ type: "funnel", sort: "ascending", gap: 2, minSize: "20%", left: "10%", width: "80%",
                   label: { show: true, position: "inside", formatter: "{b}" },
                   data: data.pyramid.map(function (t) {
                     return { name: t.tier + " · " + t.customer_share + "% / " + t.value_share + "%",
                              value: 4 - "ABCD".indexOf(t.tier), itemStyle: { color: TIER_COLORS[t.tier] } };
                   }) }] };
    },
    "rfm-grid": function (data, el) {
      var bins = []; for (var i = 1; i <= data.bins; i++) bins.push(String(i));
      var max = Math.max.apply(null, data.grid.map(function (c) { return c.customers; }).concat([1]));
      return { tooltip: { formatter: function (p) {
                 return "R" + (p.value[1] + 1) + " F" + (p.value[0] + 1) + ": " + p.value[2].toLocaleString() +
                        " · " + el.dataset.revenueLabel + " " + Math.round(p.data.revenue).toLocaleString(); } },
        grid: { left: 50, right: 20, top: 10, bottom: 50 },
        xAxis: { type: "category", data: bins, name: el.dataset.fLabel, nameLocation: "middle", nameGap: 30 },
        yAxis: { type: "category", data: bins, name: el.dataset.rLabel, nameLocation: "middle", nameGap: 30 },
        visualMap: { min: 0, max: max, show: false, inRange: { color: ["#e8f0fa", "#1f5fa8"] } },
        series: [{ type: "heatmap", label: { show: true },
                   data: data.grid.map(function (c) {
                     return { value: [c.f - 1, c.r - 1, c.customers], revenue: c.revenue }; }) }] };
    },
    histogram: function (data, el) {
      var h = (data.histograms || {})[el.dataset.key];
      if (!h) return null;
      var whole = h.edges[h.edges.length - 1] >= 100;  // money: whole yuan are enough on an axis
      var fmt = function (v) { return whole ? Math.round(v).toLocaleString() : v; };
      var labels = h.counts.map(function (_, i) { return fmt(h.edges[i]) + "–" + fmt(h.edges[i + 1]); });
      return { tooltip: { trigger: "axis" }, grid: { left: 60, right: 20, top: 20, bottom: 60 },
        xAxis: { type: "category", data: labels, axisLabel: { rotate: 40 } }, yAxis: { type: "value" },
        series: [{ type: "bar", name: el.dataset.label, data: h.counts, itemStyle: { color: "#1f5fa8" } }] };
    },
    tracking: function (data, el) {
      var t = data.tracking;
      if (!t) return null;
      var weeks = t.actual.map(function (_, i) { return String(i + 1); });
      return { tooltip: { trigger: "axis" }, legend: { top: 0, data: [el.dataset.actual, el.dataset.expected] },
        grid: { left: 60, right: 20, top: 40, bottom: 40 },
        xAxis: { type: "category", data: weeks }, yAxis: { type: "value" },
        series: [
          { type: "line", name: el.dataset.actual, data: t.actual, showSymbol: false, itemStyle: { color: "#1f5fa8" },
            markLine: { symbol: "none", label: { formatter: el.dataset.holdout },
                        data: [{ xAxis: String(t.calibration_end_week + 1) }] } },
          { type: "line", name: el.dataset.expected, data: t.expected, showSymbol: false,
            lineStyle: { type: "dashed" }, itemStyle: { color: "#b3261e" } }] };
    },
  };
  function renderCharts(root) {
    if (typeof echarts === "undefined") return;
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var build = CHARTS[el.dataset.chart];
      var source = document.getElementById(el.dataset.source || "value-charts");
      if (!build || !source || el.dataset.rendered) return;
      var option = build(JSON.parse(source.textContent), el);
      if (!option) { el.hidden = true; return; }
      // The container is role=img, named by its heading and described by a server-rendered,
      // translated table or list of the same numbers; ECharts' own English-only aria-label is off.
      option.aria = { enabled: false };
      option.animation = !reduceMotion;
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      if (el.dataset.chart === "rfm-grid") {
        chart.on("click", function (p) {
          window.location = el.dataset.url + "?r_score=" + (p.value[1] + 1) + "&f_score=" + (p.value[0] + 1) + "&sort=-clv";
        });
      }
      el.dataset.rendered = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function wireBulkSelect(root) {
    (root || document).querySelectorAll("[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name=selected]").forEach(function (cb) { cb.checked = box.checked; });
        updateBulkCount();
      });
    });
    (root || document).querySelectorAll("input[name=selected]").forEach(function (cb) {
      cb.addEventListener("change", updateBulkCount);
    });
  }
  function updateBulkCount() {
    var out = document.getElementById("bulk-count");
    if (!out) return;
    var n = document.querySelectorAll("input[name=selected]:checked").length;
    out.textContent = out.dataset.template.replace("%s", n);
    out.hidden = n === 0;
  }

  // The customer form shows person fields or organisation fields, following "kind".
  var KIND_FIELDS = { person: ["family_name", "given_name", "id_number"],
                      organisation: ["legal_name", "registration_number"] };
  function syncKindFields(root) {
    (root || document).querySelectorAll("form#customer-form").forEach(function (form) {
      var kind = form.querySelector("[name=kind]");
      if (!kind) return;
      Object.keys(KIND_FIELDS).forEach(function (k) {
        KIND_FIELDS[k].forEach(function (name) {
          var box = form.querySelector('[data-field="' + name + '"]');
          if (box) box.hidden = kind.value !== k && !box.classList.contains("has-error");
        });
      });
      if (!kind.dataset.wired) {
        kind.addEventListener("change", function () { syncKindFields(form.parentNode); });
        kind.dataset.wired = "1";
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { syncKindFields(); });
  document.addEventListener("htmx:afterSettle", function (e) { syncKindFields(e.target.parentNode || e.target); });

  document.addEventListener("DOMContentLoaded", function () { renderCharts(); wireBulkSelect(); });
  document.addEventListener("htmx:afterSettle", function (e) { renderCharts(e.target); wireBulkSelect(e.target); });
})();
