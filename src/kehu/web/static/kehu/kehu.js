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

  function renderCharts(root) {
    if (typeof echarts === "undefined") return;
    (root || document).querySelectorAll("[data-chart=monthly-spend]").forEach(function (el) {
      if (el.dataset.rendered) return;
      var source = document.getElementById(el.dataset.source);
      if (!source) return;
      var rows = JSON.parse(source.textContent);
      var chart = echarts.init(el, null, { renderer: "svg" });
      var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      chart.setOption({
        // The container is role=img, named by the card heading and described by a server-rendered,
        // translated list of the same numbers; ECharts' own English-only aria-label would be ignored.
        aria: { enabled: false },
        animation: !reduceMotion,
        grid: { left: 60, right: 20, top: 20, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
        yAxis: { type: "value" },
        series: [{ type: "bar", name: el.dataset.label, data: rows.map(function (r) { return r.total; }),
                   itemStyle: { color: "#1f5fa8" } }],
      });
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
