/* Filing form: fill the township and village lists from the regions API when the county or township
   changes, and say what a typed address was understood as while the lists are empty. Without this
   script the form still works: the page then shows buttons that update the lists, and the server reads
   the address when the form is sent. No user text is ever inserted as HTML. */
(function () {
  "use strict";
  var form = document.querySelector("[data-file-form]");
  if (!form) return;
  var county = form.querySelector("[data-level=county]");
  var township = form.querySelector("[data-level=township]");
  var village = form.querySelector("[data-level=village]");
  var address = form.querySelector("[data-testid=file-address]");
  var hint = form.querySelector("[data-place-hint]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var api = form.getAttribute("data-regions-url") || "/api/regions/";
  var t = function (name) { return hint ? hint.getAttribute("data-" + name) || "" : ""; };
  if (!county || !township || !village) return;

  function fill(select, regions) {
    var keep = select.options[0];
    select.textContent = "";
    select.appendChild(keep);
    regions.forEach(function (region) {
      if (region.is_placeholder) return;
      var option = document.createElement("option");
      option.value = region.code;
      option.textContent = region.name;
      select.appendChild(option);
    });
    select.value = "";
    select.disabled = select.options.length < 2;
  }

  // Each list remembers its latest request, so an answer that arrives late never replaces a newer one.
  var latest = new WeakMap();

  function clear(select) { latest.set(select, (latest.get(select) || 0) + 1); fill(select, []); }

  function load(select, code) {
    clear(select);
    if (!code) return Promise.resolve();
    var mine = latest.get(select);
    select.setAttribute("aria-busy", "true");
    return fetch(api + encodeURIComponent(code) + "/children", { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (regions) { if (latest.get(select) === mine) fill(select, regions); })
      .catch(function () { if (latest.get(select) === mine) say([t("failed")]); })
      .finally(function () { if (latest.get(select) === mine) select.removeAttribute("aria-busy"); });
  }

  county.addEventListener("change", function () {
    clear(village);
    load(township, county.value);
    say(null);
  });
  township.addEventListener("change", function () { load(village, township.value); });

  // Keep the lists usable on first load: an empty township list without a county is disabled.
  if (!county.value) { township.disabled = township.options.length < 2; village.disabled = village.options.length < 2; }

  function setPlace(code) {
    county.value = code.slice(0, 6);
    var done = load(township, county.value);
    if (code.length >= 9) {
      done = done.then(function () {
        township.value = code.slice(0, 9);
        return load(village, township.value);
      });
    } else {
      clear(village);
    }
    return done.then(function () {
      if (code.length === 12) village.value = code;
    });
  }

  // --- The typed address, read while the lists are empty ---------------------------------------------

  function say(lines, places, proposal) {
    if (!hint) return;
    hint.textContent = "";
    if (!lines) { hint.hidden = true; return; }
    lines.forEach(function (line) {
      var p = document.createElement("p");
      if (typeof line === "string") {
        p.textContent = line;
      } else {
        p.appendChild(document.createTextNode(line[0] + " "));
        var strong = document.createElement("strong");
        strong.textContent = line[1];
        p.appendChild(strong);
        p.appendChild(document.createTextNode(" — " + line[2]));
      }
      hint.appendChild(p);
    });
    (places || []).forEach(function (place) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn" + (proposal ? " btn-primary" : " btn-choice");
      button.textContent = proposal ? t("yes") : place.full_name;
      button.addEventListener("click", function () {
        setPlace(place.code).then(function () {
          say([[t("chosen"), place.full_name, t("change")]]);
          county.focus();
        });
      });
      hint.appendChild(button);
    });
    if (proposal) {
      var no = document.createElement("button");
      no.type = "button";
      no.className = "btn";
      no.textContent = t("no");
      no.addEventListener("click", function () { say(null); county.focus(); });
      hint.appendChild(no);
    }
    hint.hidden = false;
  }

  function inZhejiang(region) { return region && region.code.indexOf("33") === 0 && region.level >= 3; }

  function readAddress() {
    var text = (address.value || "").trim();
    if (!text || county.value) return;
    fetch(api + "resolve", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf ? csrf.value : ""
      },
      body: JSON.stringify({ text: text.slice(0, 500) })
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (!result || county.value) return;
        if (result.status === "resolved" && inZhejiang(result.region)) {
          say([[t("understood"), result.region.full_name, t("correct")]], [result.region], true);
        } else if (result.status === "resolved" && result.region) {
          say([t("outside")]);
        } else if (result.status === "ambiguous") {
          var places = (result.candidates || []).filter(inZhejiang).slice(0, 8);
          say([places.length ? t("several") : t("unknown")], places, false);
        } else {
          say([t("unknown")]);
        }
      })
      .catch(function () { /* the server reads the address when the form is sent */ });
  }

  if (address) address.addEventListener("change", readAddress);

  // One press of "send" is enough; the hidden token makes a second one harmless anyway.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-send")) {
      window.setTimeout(function () { button.disabled = true; button.setAttribute("aria-busy", "true"); }, 0);
    }
  });
})();
