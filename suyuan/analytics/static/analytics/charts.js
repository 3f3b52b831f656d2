/*
 * Suyuan charts: draws [data-chart] elements with Apache ECharts from data already in the page.
 *
 * Load after echarts.min.js (both with `defer`). Usage, data shapes and attributes: docs/charts.md.
 * Every chart sits beside an HTML table with the same numbers; this script never hides it, and does
 * nothing at all when ECharts is missing or the data cannot be read.
 *
 * Plain ES2017, no modules, no build step. Exposes window.SuyuanCharts = {render, dispose}.
 */
(function () {
  "use strict";

  var live = new Set(); // elements with a chart on them
  var pending = new WeakSet(); // elements whose map is being loaded
  var geoLoads = new Map(); // geo URL -> Promise of {mapName, names}
  var MAP_COLOURS = ["#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"];
  var NO_DATA_COLOUR = "#e5e7eb";

  function lib() {
    return typeof window.echarts === "object" && window.echarts !== null ? window.echarts : null;
  }

  function pageLang() {
    return (document.documentElement.lang || "").trim();
  }

  function echartsLocale() {
    return pageLang().toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function flag(el, name) {
    var value = el.getAttribute(name);
    return value !== null && value !== "false";
  }

  function readSource(el) {
    var id = el.getAttribute("data-source");
    var node = id ? document.getElementById(id) : null;
    if (!node) {
      console.warn("charts.js: no data element", id, el);
      return null;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (err) {
      console.warn("charts.js: data is not JSON", id, err);
      return null;
    }
  }

  function isNumber(v) {
    return typeof v === "number" && isFinite(v);
  }

  function formatNumber(v) {
    try {
      return v.toLocaleString(pageLang() || undefined);
    } catch (err) {
      return String(v);
    }
  }

  function valueText(v, unit, empty) {
    if (!isNumber(v)) return empty;
    return unit ? formatNumber(v) + " " + unit : formatNumber(v);
  }

  function escape(text) {
    return lib().format.encodeHTML(String(text));
  }

  function ensureHeight(el, fallback) {
    if (el.clientHeight === 0) {
      el.style.height = el.getAttribute("data-height") || fallback;
    }
  }

  function start(el) {
    var chart = lib().init(el, null, { locale: echartsLocale() });
    live.add(el);
    return chart;
  }

  function titleOption(el) {
    var text = el.getAttribute("data-title");
    return text ? { text: text, left: "center", textStyle: { fontSize: 15 } } : undefined;
  }

  /* bar and line ------------------------------------------------------------------------------ */

  function renderSeries(el, type) {
    var data = readSource(el);
    if (!data || !Array.isArray(data.labels) || !Array.isArray(data.series)) return;
    var horizontal = type === "bar" && flag(el, "data-horizontal");
    var empty = el.getAttribute("data-empty-label") || "–";
    var unit = data.unit || "";
    var title = titleOption(el);
    var many = data.series.length > 1;
    var category = {
      type: "category",
      data: data.labels,
      inverse: horizontal, // first label on top, as in the table
      axisLabel: { hideOverlap: true },
    };
    var value = {
      type: "value",
      axisLabel: {
        formatter: function (v) {
          return formatNumber(v);
        },
      },
    };
    ensureHeight(el, horizontal ? Math.max(240, 28 * data.labels.length + 80) + "px" : "320px");
    var chart = start(el);
    chart.setOption({
      animation: !reducedMotion(),
      title: title,
      tooltip: {
        trigger: "axis",
        axisPointer: { type: type === "bar" ? "shadow" : "line" },
        valueFormatter: function (v) {
          return valueText(v, unit, empty);
        },
      },
      legend: many ? { top: title ? 28 : 0 } : undefined,
      grid: { containLabel: true, left: 8, right: 24, bottom: 8, top: (title ? 36 : 12) + (many ? 28 : 0) },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: type,
          data: (s.values || []).map(function (v) {
            return isNumber(v) ? v : null;
          }),
          connectNulls: false,
          emphasis: { focus: many ? "series" : "none" },
        };
      }),
    });
  }

  /* map --------------------------------------------------------------------------------------- */

  function loadGeo(url) {
    if (!geoLoads.has(url)) {
      var mapName = "suyuan:" + url;
      var load = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (geoJson) {
          var names = {};
          geoJson.features.forEach(function (f) {
            names[f.properties.code] = f.properties.name;
          });
          if (!lib().getMap(mapName)) lib().registerMap(mapName, geoJson);
          return { mapName: mapName, names: names };
        });
      load.catch(function () {
        geoLoads.delete(url); // a later render may try again
      });
      geoLoads.set(url, load);
    }
    return geoLoads.get(url);
  }

  function renderMap(el) {
    var data = readSource(el);
    var url = el.getAttribute("data-geo");
    if (!data || !url || typeof data.values !== "object" || data.values === null) return;
    pending.add(el);
    loadGeo(url)
      .then(function (geo) {
        pending.delete(el);
        if (!el.isConnected || lib().getInstanceByDom(el)) return;
        drawMap(el, data, geo);
      })
      .catch(function (err) {
        pending.delete(el);
        console.warn("charts.js: cannot load the map", url, err);
      });
  }

  function drawMap(el, data, geo) {
    var empty = el.getAttribute("data-empty-label") || "–";
    var href = el.getAttribute("data-href");
    var unit = data.unit || "";
    var names = Object.assign({}, geo.names, data.names || {});
    var items = [];
    var numbers = [];
    Object.keys(data.values).forEach(function (code) {
      var v = data.values[code];
      if (!isNumber(v) || !(code in geo.names)) return;
      items.push({ name: code, value: v });
      numbers.push(v);
    });
    var min = isNumber(data.min) ? data.min : Math.min.apply(null, numbers.concat([0]));
    var max = isNumber(data.max) ? data.max : Math.max.apply(null, numbers);
    if (!(max > min)) max = min + 1;
    var nameOf = function (code) {
      return names[code] || code;
    };
    var title = titleOption(el);
    ensureHeight(el, "480px");
    var chart = start(el);
    chart.setOption({
      animation: !reducedMotion(),
      title: title,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return escape(nameOf(p.name)) + "<br>" + escape(valueText(p.value, unit, empty));
        },
      },
      visualMap: numbers.length
        ? {
            type: "continuous",
            min: min,
            max: max,
            calculable: true,
            left: 8,
            bottom: 8,
            text: unit ? [unit, ""] : undefined,
            formatter: function (v) {
              return formatNumber(Math.round(v * 100) / 100);
            },
            inRange: { color: MAP_COLOURS },
          }
        : undefined,
      series: [
        {
          type: "map",
          map: geo.mapName,
          nameProperty: "code",
          top: title ? 40 : 8,
          bottom: 8,
          roam: flag(el, "data-roam"),
          selectedMode: false,
          cursor: href ? "pointer" : "default",
          label: {
            show: false,
            formatter: function (p) {
              return nameOf(p.name);
            },
          },
          itemStyle: { areaColor: NO_DATA_COLOUR, borderColor: "#ffffff", borderWidth: 0.6 },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#fdd49e" } },
          data: items,
        },
      ],
    });
    if (href) {
      chart.on("click", function (p) {
        if (p.componentType === "series" && p.name) {
          var code = encodeURIComponent(p.name);
          window.location.assign(href.split("{code}").join(code).split("%7Bcode%7D").join(code));
        }
      });
    }
  }

  /* lifecycle --------------------------------------------------------------------------------- */

  function candidates(root) {
    var found = [];
    if (!root || root.nodeType !== 1) root = document;
    if (root.nodeType === 1 && root.hasAttribute("data-chart")) found.push(root);
    return found.concat(Array.prototype.slice.call(root.querySelectorAll("[data-chart]")));
  }

  function render(root) {
    if (!lib()) return;
    sweep();
    candidates(root).forEach(function (el) {
      if (lib().getInstanceByDom(el) || pending.has(el)) return;
      var kind = el.getAttribute("data-chart");
      try {
        if (kind === "bar" || kind === "line") renderSeries(el, kind);
        else if (kind === "map") renderMap(el);
      } catch (err) {
        console.warn("charts.js: cannot draw", el, err);
      }
    });
  }

  function disposeElement(el) {
    var chart = lib() && lib().getInstanceByDom(el);
    if (chart) chart.dispose();
    live.delete(el);
  }

  function dispose(root) {
    if (!lib()) return;
    candidates(root).forEach(disposeElement);
  }

  function sweep() {
    live.forEach(function (el) {
      if (!el.isConnected) disposeElement(el);
    });
  }

  var resizeQueued = false;
  function onResize() {
    if (resizeQueued) return;
    resizeQueued = true;
    window.requestAnimationFrame(function () {
      resizeQueued = false;
      sweep();
      live.forEach(function (el) {
        var chart = lib() && lib().getInstanceByDom(el);
        if (chart) chart.resize();
      });
    });
  }

  window.SuyuanCharts = { render: render, dispose: dispose };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      render(document);
    });
  } else {
    render(document);
  }
  window.addEventListener("resize", onResize);

  // htmx (when on the page): draw what a swap brought in, dispose what it takes out.
  document.addEventListener("htmx:load", function (evt) {
    render((evt.detail && evt.detail.elt) || evt.target);
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    render((evt.detail && evt.detail.target) || evt.target);
  });
  document.addEventListener("htmx:beforeCleanupElement", function (evt) {
    var el = evt.target;
    if (el && el.nodeType === 1 && el.hasAttribute("data-chart")) disposeElement(el);
  });
})();
