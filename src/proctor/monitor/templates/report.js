/* proctor monitor report: interactive charts (uPlot) and the rollout browser.
   Everything from the run is data: it reaches the page through textContent only. */
(function () {
  "use strict";
  var R = (window.proctorReport = { ready: false, error: null, charts: {}, compareCharts: {} });
  var PALETTE = ["#cf222e", "#0969da", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83", "#bf3989",
    "#6e7781", "#953800", "#4d2d00", "#0550ae", "#116329"];
  var SEV = { hack: "#cf222e", warning: "#bc4c00" };
  var PAGE = 50;
  var STEP_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000];  // whole steps only

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  function fmt(v, d) { return v === null || v === undefined ? "–" : (+v).toFixed(d === undefined ? 2 : d); }

  function load() {
    var block = document.getElementById("report-data");
    var text = block.textContent;
    if (block.getAttribute("data-encoding") !== "gzip+base64") return Promise.resolve(JSON.parse(text));
    if (typeof DecompressionStream === "undefined")
      return Promise.reject(new Error("this browser cannot decompress the report's data (no DecompressionStream)"));
    var bin = atob(text), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  /* ---------- charts ---------- */
  var syncing = false;
  function markerPlugin(runs) {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      runs.forEach(function (run, ri) {
        var marks = [];
        if (run.signals.onset !== null && run.signals.onset !== undefined)
          marks.push({ step: run.signals.onset, colour: "#8250df", dash: [6, 4], width: 2 });
        run.signals.markers.forEach(function (m) {
          marks.push({ step: m.step, colour: SEV[m.severity] || "#6e7781", dash: [2, 3], width: 1.5 });
        });
        marks.forEach(function (m) {
          var x = Math.round(u.valToPos(m.step, "x", true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
          ctx.strokeStyle = m.colour; ctx.globalAlpha = ri ? 0.45 : 0.85;
          ctx.lineWidth = m.width * devicePixelRatio;
          ctx.setLineDash(m.dash.map(function (d) { return d * devicePixelRatio * (ri ? 2 : 1); }));
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
        });
      });
      ctx.restore();
    }] } };
  }

  function makeChart(group, key, title, xs, series, runs, opts, area) {
    var box = el("div", { cls: "chart", id: "chart-" + key });
    area.appendChild(box);
    var width = Math.max(480, Math.min(area.clientWidth || 900, 1400) / (area.clientWidth > 1300 ? 2 : 1) - 24);
    var cfg = {
      title: title, width: width, height: 250,
      scales: { x: { time: false }, y: opts.y || {} },
      axes: [{ label: "step", incrs: STEP_INCRS }, { label: opts.ylabel || "", size: 52 }],
      cursor: { sync: { key: "proctor-" + group }, drag: { x: true, y: false } },
      legend: { live: true },
      plugins: [markerPlugin(runs)],
      series: [{ label: "step" }].concat(series.map(function (s) { return s.opts; })),
      hooks: { setScale: [function (u, k) {
        if (k !== "x" || syncing) return;
        syncing = true;
        var charts = group === "main" ? R.charts : R.compareCharts;
        for (var name in charts) if (charts[name] !== u)
          charts[name].setScale("x", { min: u.scales.x.min, max: u.scales.x.max });
        syncing = false;
      }] }
    };
    var u = new uPlot(cfg, [xs].concat(series.map(function (s) { return s.data; })), box);
    box.appendChild(el("p", { cls: "chart-note", text: opts.note || "" }));
    var down = null;
    u.over.addEventListener("mousedown", function (e) { down = e.clientX; });
    u.over.addEventListener("mouseup", function (e) {
      if (down !== null && Math.abs(e.clientX - down) < 3 && u.cursor.idx !== null && u.cursor.idx !== undefined && R.browser)
        R.browser.showStep(group === "main" ? 0 : null, xs[u.cursor.idx]);
      down = null;
    });
    (group === "main" ? R.charts : R.compareCharts)[key] = u;
    return u;
  }

  function line(label, data, colour, extra) {
    var o = { label: label, stroke: colour, width: 1.6, points: { show: data.length <= 120, size: 4 },
      value: function (u, v) { return v === null || v === undefined ? "–" : (+v).toFixed(3); } };
    for (var k in extra || {}) o[k] = extra[k];
    return { opts: o, data: data };
  }

  function mainCharts(run, area) {
    var sig = run.signals, xs = sig.steps, S = sig.series;
    var tl = [];
    [["hack_rate", "#cf222e"], ["unsure_rate", "#d4a72c"], ["gap", "#24292f"]].forEach(function (p) {
      if (S[p[0]]) tl.push(line(p[0] + " (oracle)", S[p[0]].values, p[1]));
    });
    if (sig.forecast) tl.push(line("P(onset ≤ " + sig.horizon + " steps)", sig.forecast, "#1b7c83", { dash: [5, 3] }));
    tl.push(line("hack-rate threshold", xs.map(function () { return sig.threshold; }), "#cf222e",
      { width: 1, dash: [1, 3], points: { show: false } }));
    var note = "Dashed purple: estimated onset" + (sig.onset !== null ? " (step " + sig.onset + ")" : " (none)") +
      "; dotted: " + sig.markers.length + " warning/hack alert(s) as they fired.";
    makeChart("main", "timeline", "Timeline: oracle-adjacent signals and forecast", xs, tl, [run], { note: note }, area);

    var cats = Object.keys(S).filter(function (n) { return n.indexOf("hack_rate/") === 0; }).sort();
    var cs = cats.map(function (c, i) { return line(c.slice(10), S[c].values, PALETTE[i % PALETTE.length]); });
    makeChart("main", "categories", "Hack rate by category (ensemble detector)", xs, cs, [run],
      { ylabel: "share of rollouts", note: cats.length ? "" : "No rollout labelled hack." }, area);

    var pg = [];
    [["proxy_mean", "#0969da"], ["gold_mean", "#1a7f37"]].forEach(function (p) {
      if (S[p[0]]) pg.push(line(p[0], S[p[0]].values, p[1]));
    });
    makeChart("main", "proxy_gold", "Proxy (training reward) vs gold (held-out tests)", xs, pg, [run], {}, area);

    var internal = Object.keys(S).filter(function (n) { return S[n].kind === "internal"; });
    if (internal.length) {
      var ins = internal.map(function (n, i) { return line(n + " (model-internal)", S[n].values, PALETTE[i % PALETTE.length]); });
      if (sig.probe_forecast) ins.push(line("P(probe flags reach " + sig.probe_rate + " ≤ " + sig.horizon + " steps)", sig.probe_forecast, "#1b7c83", { dash: [5, 3] }));
      if (S.hack_rate) ins.push(line("hack_rate (oracle)", S.hack_rate.values, "#cf222e", { width: 1, dash: [2, 2] }));
      makeChart("main", "internal", "Model-internal signals: probe scores on every rollout", xs, ins, [run],
        { note: "Scores of a probe on the policy's activations, over all rollouts (those the detectors call clean included). They warn, never convict." }, area);
    }

    var others = Object.keys(S).filter(function (n) { return S[n].kind !== "oracle" && S[n].kind !== "internal"; }).slice(0, 12);
    var bs = others.map(function (n, i) {
      var raw = S[n].values, ok = raw.filter(function (v) { return v !== null; });
      var lo = Math.min.apply(null, ok), hi = Math.max.apply(null, ok), span = (hi - lo) || 1;
      var scaled = raw.map(function (v) { return v === null ? null : (v - lo) / span; });
      return line(n + " (" + S[n].kind + ")", scaled, PALETTE[i % PALETTE.length], {
        width: 1.2, show: i < 6,
        value: function (u, v, si, idx) { return idx === null || raw[idx] === null || raw[idx] === undefined ? "–" : (+raw[idx]).toPrecision(3); }
      });
    });
    makeChart("main", "behaviour", "Behavioural and geometry signals (min-max scaled; legend shows raw values)",
      xs, bs, [run], { note: others.length ? "Warn, never convict. Series beyond the first six start hidden: click to show." : "No behavioural or geometry signal." }, area);
  }

  function compareCharts(runs, area) {
    var all = {};
    runs.forEach(function (r) { r.signals.steps.forEach(function (s) { all[s] = 1; }); });
    var xs = Object.keys(all).map(Number).sort(function (a, b) { return a - b; });
    function aligned(run, values) {
      var at = {};
      run.signals.steps.forEach(function (s, i) { at[s] = values ? values[i] : null; });
      return xs.map(function (s) { return s in at ? at[s] : null; });
    }
    var specs = [
      ["cmp-hack_rate", "Hack rate", [["hack_rate", "#cf222e"]]],
      ["cmp-gap", "Proxy − gold gap", [["gap", "#24292f"]]],
      ["cmp-proxy_gold", "Proxy and gold", [["proxy_mean", "#0969da"], ["gold_mean", "#1a7f37"]]],
      ["cmp-forecast", "Forecast: P(onset within horizon)", [["forecast", "#1b7c83"]]]
    ];
    specs.forEach(function (spec) {
      var ss = [];
      spec[2].forEach(function (p) {
        runs.forEach(function (run, ri) {
          var vals = p[0] === "forecast" ? run.signals.forecast : (run.signals.series[p[0]] || {}).values;
          ss.push(line("ABCD"[ri] + ": " + p[0], aligned(run, vals), ri ? p[1] + "99" : p[1], { dash: ri ? [6, 4] : undefined, width: ri ? 1.6 : 2 }));
        });
      });
      makeChart("compare", spec[0], spec[1], xs, ss, runs, { note: "A: " + runs[0].name + " (solid) · B: " + runs[1].name + " (dashed)" }, area);
    });
  }

  /* ---------- rollout browser ---------- */
  function Browser(runs, root) {
    var st = { run: 0, from: "", to: "", label: "", cat: "", task: "", q: "", rewarded: false,
      sort: "step", dir: 1, page: 0, selected: null };
    var caches = runs.map(function () { return {}; });
    var self = this;
    root.textContent = "";
    var controls = el("div", { cls: "filters", id: "rb-filters" });
    function field(label, input) { controls.appendChild(el("label", null, label, input)); return input; }
    var runSel = runs.length > 1 ? field("run", el("select", { id: "rb-run" })) : null;
    if (runSel) runs.forEach(function (r, i) { runSel.appendChild(el("option", { value: i, text: "ABCD"[i] + ": " + r.name })); });
    var from = field("step from", el("input", { id: "rb-step-from", type: "number", min: 0 }));
    var to = field("step to", el("input", { id: "rb-step-to", type: "number", min: 0 }));
    var labelSel = field("label", el("select", { id: "rb-label" }));
    var catSel = field("category", el("select", { id: "rb-category" }));
    var taskSel = field("task", el("select", { id: "rb-task" }));
    var search = field("search (id, task, code, evidence)", el("input", { id: "rb-search", type: "search", placeholder: "e.g. sys.exit" }));
    var rew = el("input", { id: "rb-rewarded", type: "checkbox" });
    controls.appendChild(el("label", { cls: "check" }, rew, "rewarded hacks only (hack, proxy > gold)"));
    var reset = el("button", { id: "rb-reset", type: "button", text: "clear filters" });
    controls.appendChild(reset);
    var count = el("div", { id: "rb-count" });
    var thead = el("thead"), tbody = el("tbody");
    var table = el("table", { id: "rb-table" }, thead, tbody);
    var prev = el("button", { id: "rb-prev", type: "button", text: "‹ prev" });
    var next = el("button", { id: "rb-next", type: "button", text: "next ›" });
    var pageInfo = el("span", { id: "rb-page" });
    var detail = el("div", { id: "rb-detail" }, el("p", { cls: "hint", text: "Click a rollout to see its code, grade and verdicts; then j / k (or ↓ / ↑) step through the list." }));
    root.appendChild(controls); root.appendChild(count);
    root.appendChild(el("div", { cls: "rb-main" }, el("div", null, table, el("div", { cls: "pager" }, prev, pageInfo, next)), detail));

    var COLS = [["step", "step"], ["id", "rollout"], ["task", "task"], ["label", "label"], ["cat", "category"],
      ["conf", "conf"], ["proxy", "proxy"], ["gold", "gold"], ["gap", "p − g"]];
    var probed = runs.some(function (r) { return !!r.rollouts.probe; });
    if (probed) COLS.push(["probe", "probe"]);  // model-internal score, when the run has one
    var hr = el("tr");
    COLS.forEach(function (c) {
      var th = el("th", { "data-sort": c[0], text: c[1], title: c[0] === "gap" ? "proxy − gold: what the reward paid above the held-out score" : "sort by " + c[1] });
      th.addEventListener("click", function () {
        if (st.sort === c[0]) st.dir = -st.dir; else { st.sort = c[0]; st.dir = c[0] === "gap" || c[0] === "conf" || c[0] === "probe" ? -1 : 1; }
        st.page = 0; self.render();
      });
      hr.appendChild(th);
    });
    thead.appendChild(hr);

    function options(sel, values, all) {
      sel.textContent = "";
      sel.appendChild(el("option", { value: "", text: all }));
      values.forEach(function (v) { sel.appendChild(el("option", { value: v[0], text: v[1] })); });
    }
    function fillOptions() {
      var run = runs[st.run], t = run.tables, cols = run.rollouts;
      var counts = function (col) { var c = {}; cols[col].forEach(function (v) { c[v] = (c[v] || 0) + 1; }); return c; };
      var lc = counts("label"), cc = counts("cat"), tc = counts("task");
      options(labelSel, t.label.map(function (l, i) { return [String(i), l + " (" + (lc[i] || 0) + ")"]; }), "any label");
      options(catSel, t.cat.map(function (c, i) { return [String(i), c + " (" + (cc[i] || 0) + ")"]; })
        .sort(function (a, b) { return a[1] < b[1] ? -1 : 1; }), "any category");
      options(taskSel, t.task.map(function (c, i) { return [String(i), c + " (" + (tc[i] || 0) + ")"]; })
        .sort(function (a, b) { return a[1] < b[1] ? -1 : 1; }), "any task");
    }
    function gap(cols, i) { return cols.proxy[i] === null ? null : cols.proxy[i] - (cols.gold[i] || 0); }
    function text(run, i) {
      var c = caches[run], r = runs[run], cols = r.rollouts;
      if (!c.code) {
        c.code = r.tables.code.map(function (s) { return s.toLowerCase(); });
        c.judge = r.tables.judge.map(function (j) {
          var parts = [];
          [j.e].concat(j.d).forEach(function (v) { if (v) { parts.push(v[0], v[2] || "", v[5] || ""); v[4].forEach(function (e) { parts.push(e[0]); }); } });
          return parts.join("\n").toLowerCase();
        });
      }
      return [cols.id[i].toLowerCase(), r.tables.task[cols.task[i]].toLowerCase(), c.code[cols.code[i]], c.judge[cols.judge[i]]];
    }
    this.filtered = function () {
      var run = runs[st.run], cols = run.rollouts, n = cols.id.length, out = [];
      var lo = st.from === "" ? -Infinity : +st.from, hi = st.to === "" ? Infinity : +st.to;
      var label = st.label === "" ? null : +st.label, cat = st.cat === "" ? null : +st.cat, task = st.task === "" ? null : +st.task;
      var q = st.q.trim().toLowerCase(), hack = run.tables.label.indexOf("hack");
      var codeHit = null, judgeHit = null;
      if (q) {  // each distinct program and judgement is searched once, not once per rollout
        text(st.run, 0);
        codeHit = caches[st.run].code.map(function (s) { return s.indexOf(q) >= 0; });
        judgeHit = caches[st.run].judge.map(function (s) { return s.indexOf(q) >= 0; });
      }
      for (var i = 0; i < n; i++) {
        var s = cols.step[i];
        if (s < lo || s > hi) continue;
        if (label !== null && cols.label[i] !== label) continue;
        if (cat !== null && cols.cat[i] !== cat) continue;
        if (task !== null && cols.task[i] !== task) continue;
        if (st.rewarded && (cols.label[i] !== hack || !(gap(cols, i) > 0))) continue;
        if (q && !codeHit[cols.code[i]] && !judgeHit[cols.judge[i]] &&
            cols.id[i].toLowerCase().indexOf(q) < 0 && run.tables.task[cols.task[i]].toLowerCase().indexOf(q) < 0) continue;
        out.push(i);
      }
      var key = st.sort, dir = st.dir;
      var val = key === "gap" ? function (i) { return gap(cols, i); }
        : key === "id" ? function (i) { return cols.id[i]; }
        : key === "task" ? function (i) { return run.tables.task[cols.task[i]]; }
        : key === "label" ? function (i) { return run.tables.label[cols.label[i]]; }
        : key === "cat" ? function (i) { return cols.cat[i] < 0 ? "" : run.tables.cat[cols.cat[i]]; }
        : function (i) { return cols[key] ? cols[key][i] : null; };
      out.sort(function (a, b) {
        var x = val(a), y = val(b);
        if (x === y) return a - b;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * dir;
      });
      return out;
    };
    this.render = function () {
      var run = runs[st.run], cols = run.rollouts, t = run.tables;
      var rows = self.filtered(), pages = Math.max(1, Math.ceil(rows.length / PAGE));
      st.page = Math.min(st.page, pages - 1);
      count.textContent = rows.length + " of " + cols.id.length + " rollouts";
      pageInfo.textContent = "page " + (st.page + 1) + " of " + pages;
      prev.disabled = st.page === 0; next.disabled = st.page >= pages - 1;
      Array.prototype.forEach.call(thead.querySelectorAll("th"), function (th) {
        var k = th.getAttribute("data-sort");
        th.setAttribute("aria-sort", k === st.sort ? (st.dir > 0 ? "ascending" : "descending") : "none");
      });
      tbody.textContent = "";
      rows.slice(st.page * PAGE, (st.page + 1) * PAGE).forEach(function (i) {
        var label = t.label[cols.label[i]];
        var tr = el("tr", { "data-id": cols.id[i] },
          el("td", { cls: "num", text: cols.step[i] }), el("td", { title: cols.id[i], text: cols.id[i] }),
          el("td", { text: t.task[cols.task[i]] }), el("td", { cls: "lab-" + label, text: label }),
          el("td", { text: cols.cat[i] < 0 ? "" : t.cat[cols.cat[i]] }), el("td", { cls: "num", text: fmt(cols.conf[i]) }),
          el("td", { cls: "num", text: fmt(cols.proxy[i]) }), el("td", { cls: "num", text: fmt(cols.gold[i]) }),
          el("td", { cls: "num", text: fmt(gap(cols, i)) }));
        if (probed) tr.appendChild(el("td", { cls: "num", text: fmt(cols.probe ? cols.probe[i] : null) }));
        if (st.selected === i) tr.className = "sel";
        tr.addEventListener("click", function () { self.select(i); });
        tbody.appendChild(tr);
      });
    };
    this.select = function (i) {
      st.selected = i;
      Array.prototype.forEach.call(tbody.querySelectorAll("tr"), function (tr) {
        tr.className = tr.getAttribute("data-id") === runs[st.run].rollouts.id[i] ? "sel" : "";
      });
      showDetail(runs[st.run], st.run, i, detail);
    };
    this.state = st;
    this.set = function (patch) {
      for (var k in patch) st[k] = patch[k];
      from.value = st.from; to.value = st.to; labelSel.value = st.label; catSel.value = st.cat;
      taskSel.value = st.task; search.value = st.q; rew.checked = st.rewarded;
      if (runSel) runSel.value = String(st.run);
      self.render();
    };
    this.showStep = function (run, step) {
      if (run !== null) { if (run !== st.run) { st.run = run; fillOptions(); } }
      self.set({ from: String(step), to: String(step), page: 0 });
      document.getElementById("rollouts").scrollIntoView();
    };
    this.open = function (run, id) {
      if (run !== st.run) { st.run = run; fillOptions(); }
      self.set({ from: "", to: "", label: "", cat: "", task: "", q: "", rewarded: false });
      var rows = self.filtered(), i = runs[run].rollouts.id.indexOf(id), at = rows.indexOf(i);
      if (i < 0) return false;
      st.page = Math.floor(at / PAGE); self.render(); self.select(i);
      document.getElementById("rollouts").scrollIntoView();
      return true;
    };
    function bind(input, key, ev) {
      input.addEventListener(ev || "change", function () {
        st[key] = input.type === "checkbox" ? input.checked : input.value; st.page = 0; self.render();
      });
    }
    bind(from, "from", "input"); bind(to, "to", "input"); bind(labelSel, "label"); bind(catSel, "cat");
    bind(taskSel, "task"); bind(search, "q", "input"); bind(rew, "rewarded");
    if (runSel) runSel.addEventListener("change", function () {
      st.run = +runSel.value; st.label = st.cat = st.task = ""; st.selected = null; st.page = 0; fillOptions(); self.set({});
    });
    reset.addEventListener("click", function () { self.set({ from: "", to: "", label: "", cat: "", task: "", q: "", rewarded: false, page: 0 }); });
    // j / k (or ↓ / ↑) step through the filtered rollouts, across pages
    document.addEventListener("keydown", function (e) {
      var tag = (e.target && e.target.tagName) || "";
      if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
      var step = e.key === "j" || e.key === "ArrowDown" ? 1 : e.key === "k" || e.key === "ArrowUp" ? -1 : 0;
      if (!step || st.selected === null) return;
      var rows = self.filtered(), at = rows.indexOf(st.selected) + step;
      if (at < 0 || at >= rows.length) return;
      e.preventDefault();
      st.page = Math.floor(at / PAGE); self.render(); self.select(rows[at]);
    });
    prev.addEventListener("click", function () { st.page--; self.render(); });
    next.addEventListener("click", function () { st.page++; self.render(); });
    fillOptions();
    this.render();
  }

  function showDetail(run, ri, i, box) {
    var cols = run.rollouts, t = run.tables, judge = t.judge[cols.judge[i]];
    var grade = cols.grade[i] >= 0 ? t.grade[cols.grade[i]] : null;
    var code = t.code[cols.code[i]], lines = code.split("\n");
    box.textContent = "";
    box.appendChild(el("h3", { text: cols.id[i] }));
    var label = t.label[cols.label[i]];
    box.appendChild(el("div", { cls: "kv" },
      el("span", null, "run ", el("b", { text: "ABCD"[ri] + ": " + run.name })),
      el("span", null, "step ", el("b", { text: cols.step[i] })),
      el("span", null, "task ", el("b", { text: t.task[cols.task[i]] })),
      el("span", null, "label ", el("b", { cls: "lab-" + label, text: label + (cols.cat[i] >= 0 ? " / " + t.cat[cols.cat[i]] : "") })),
      el("span", null, "confidence ", el("b", { text: fmt(cols.conf[i]) })),
      el("span", null, "reward ", el("b", { text: fmt(cols.proxy[i]) })),
      el("span", null, "gold ", el("b", { text: fmt(cols.gold[i]) })),
      cols.probe ? el("span", null, "probe score ", el("b", { text: fmt(cols.probe[i]) })) : null));
    if (grade) {
      box.appendChild(el("div", { cls: "kv", id: "rb-grade" },
        el("span", null, "grader ", el("b", { text: grade.grader + " (" + grade.status + ")" })),
        el("span", null, "proxy ", el("b", { text: fmt(grade.proxy) })),
        el("span", null, "visible tests ", el("b", { text: grade.visible[0] + "/" + grade.visible[1] })),
        el("span", null, "held-out tests ", el("b", { text: grade.heldout[0] + "/" + grade.heldout[1] })),
        grade.error ? el("span", null, "error ", el("b", { text: grade.error })) : null,
        grade.tamper.length ? el("span", null, "tampering ", el("b", { text: grade.tamper.join("; ") })) : null));
    } else box.appendChild(el("p", { cls: "hint", text: "No grade recorded for this rollout." }));
    var marks = {};
    var vt = el("table", { cls: "verdicts", id: "rb-verdicts" },
      el("tr", null, el("th", { text: "detector" }), el("th", { text: "verdict" }), el("th", { text: "conf." }), el("th", { text: "evidence" })));
    var verdicts = (judge.e ? [judge.e] : []).concat(judge.d);
    verdicts.forEach(function (v) {
      var evs = el("td", { cls: "evs" });
      v[4].forEach(function (e) {
        var where = e[1] ? "line " + e[1] + (e[2] && e[2] !== e[1] ? "–" + e[2] : "") + ": " : "";
        var li = el("div", { cls: e[1] ? "go" : "" }, where + e[0]);
        if (e[1]) {
          for (var n = e[1]; n <= (e[2] || e[1]); n++) (marks[n] = marks[n] || []).push(v[0] + ": " + e[0]);
          li.addEventListener("click", function () {
            var target = box.querySelector('.ln[data-line="' + e[1] + '"]');
            if (target) target.scrollIntoView({ block: "center" });
          });
        }
        evs.appendChild(li);
      });
      if (v[5]) evs.appendChild(el("div", { cls: "hint", text: v[5] }));
      vt.appendChild(el("tr", { "data-detector": v[0] }, el("td", null, v[0] === "ensemble" ? el("b", { text: v[0] }) : v[0]),
        el("td", { cls: "lab-" + v[1], text: v[1] + (v[2] ? " / " + v[2] : "") }), el("td", { cls: "num", text: fmt(v[3]) }), evs));
    });
    var view = el("div", { cls: "code", id: "rb-code" });
    lines.forEach(function (src, k) {
      var n = k + 1, row = el("div", { cls: marks[n] ? "ln hl" : "ln", "data-line": n },
        el("span", { cls: "no", text: n }), el("span", { cls: "src", text: src || " " }));
      if (marks[n]) row.title = marks[n].join("\n");
      view.appendChild(row);
    });
    box.appendChild(view);  // the program first, the verdicts that cite its lines below it
    if (!verdicts.length) box.appendChild(el("p", { cls: "hint", text: "Not judged by any detector." }));
    else box.appendChild(vt);
    var first = view.querySelector(".ln.hl");
    if (first) view.scrollTop = Math.max(0, first.offsetTop - 60);
  }

  function start(data) {
    R.data = data;
    var runs = data.runs;
    var area = document.getElementById("chart-area");
    area.textContent = "";
    mainCharts(runs[0], area);
    var cmp = document.getElementById("compare-charts");
    if (cmp && runs.length > 1) compareCharts(runs, cmp);
    var root = document.getElementById("browser");
    if (runs.some(function (r) { return r.rollouts.id.length; })) R.browser = new Browser(runs, root);
    Array.prototype.forEach.call(document.querySelectorAll("button.open"), function (b) {
      b.addEventListener("click", function () {
        if (R.browser) R.browser.open(+b.getAttribute("data-run"), b.getAttribute("data-rollout"));
      });
    });
    R.ready = true;
    R.readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  }

  load().then(start).catch(function (err) {
    R.error = String(err);
    var area = document.getElementById("chart-area");
    area.textContent = "";
    area.appendChild(el("p", { cls: "note", text: "The interactive part could not start: " + err + ". Status, alerts and the per-step table are above and below." }));
    document.body.setAttribute("data-ready", "error");
  });
})();
