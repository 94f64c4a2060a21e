// edgewatch status page: reads the box's own JSON endpoints, draws with uPlot. No build step.
(function () {
  "use strict";
  const TOKEN_KEY = "edgewatch-token";
  let range = 3600;
  let snapshotsOn = true;
  const views = new Map(); // camera id -> {root, plots, img, url}

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  class Unauthorized extends Error {}

  async function api(path, asBlob) {
    const headers = {};
    if (token()) { headers.Authorization = "Bearer " + token(); }
    const res = await fetch(path, { headers, cache: "no-store" });
    if (res.status === 401) { throw new Unauthorized(); }
    if (!res.ok || res.status === 204) { return null; }
    return asBlob ? res.blob() : res.json();
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    // style through the CSSOM: the page's CSP (default-src 'self') refuses style attributes
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") { e.className = v; } else if (k === "style") { Object.assign(e.style, v); } else { e.setAttribute(k, v); }
    });
    children.forEach(c => e.append(c instanceof Node ? c : document.createTextNode(String(c))));
    return e;
  }

  function fmt(x, digits) { return x === undefined || x === null ? "–" : Number(x).toFixed(digits === undefined ? 1 : digits); }

  function duration(s) {
    if (s < 120) { return s + " s"; }
    if (s < 7200) { return Math.round(s / 60) + " min"; }
    if (s < 172800) { return (s / 3600).toFixed(1) + " h"; }
    return (s / 86400).toFixed(1) + " d";
  }

  // frames not inferred, by reason, in words (the reasons are FrameEvent.DropReason's labels)
  const DROP_WORDS = { rate_limit: "over max_fps", inference_busy: "a newer frame came while inference was busy", stale: "too old" };
  function drops(byReason) {
    const parts = Object.entries(byReason || {}).filter(([, n]) => n > 0)
      .map(([r, n]) => n + " " + (DROP_WORDS[r] || r.replace(/_/g, " ")));
    return parts.length ? parts.join(", ") : "none";
  }

  function askToken(message) {
    const form = document.getElementById("login");
    form.hidden = false;
    document.getElementById("login-error").textContent = message || "";
  }

  document.getElementById("login").addEventListener("submit", ev => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
    document.getElementById("login").hidden = true;
    refresh();
  });

  document.querySelectorAll("#ranges button").forEach(b => b.addEventListener("click", () => {
    document.querySelectorAll("#ranges button").forEach(x => x.classList.remove("on"));
    b.classList.add("on");
    range = Number(b.dataset.range);
    refreshHistories();
  }));

  function renderSummary(h, alerts) {
    document.getElementById("box").textContent = "version " + h.version + " (" + h.build.commit + "), up " + duration(h.uptime_s);
    const s = document.getElementById("summary");
    s.replaceChildren();
    const status = el("div", {}, el("b", { class: h.status === "ok" ? "ok" : "bad" }, h.status), "status");
    s.append(status);
    s.append(el("div", {}, el("b", {}, Object.keys(h.cameras).length), "cameras"));
    if (h.outbox) {
      s.append(el("div", { "data-outbox": "" }, el("b", {}, h.outbox.depth), "waiting in the outbox, oldest " + duration(h.outbox.oldest_age_s)));
    }
    const daemon = alerts.active.filter(a => a.camera_id === "daemon");
    const delivery = daemon.filter(a => a.signal.startsWith("delivery_stopped"));
    s.append(el("div", {}, el("b", { class: delivery.length ? "bad" : "ok" }, delivery.length ? "stopped" : "ok"),
      delivery.length ? delivery.map(a => a.message).join("; ") : "delivery"));
    s.append(el("div", {}, el("b", { class: alerts.active.length ? "bad" : "ok" }, alerts.active.length), "alerts firing"));
  }

  function tile(c, view) {
    const t = el("div", { class: "tile", "data-camera": c.camera_id });
    t.append(el("h2", {}, c.camera_id));
    if (snapshotsOn) { t.append(view.tileImg); }
    const w = c.last_window || {};
    t.append(el("div", {}, el("span", { class: c.status === "ok" ? "ok" : "bad" }, c.source.state), " · ",
      fmt(w.fps_seen) + " fps seen, " + fmt(w.fps_inferred) + " inferred"));
    if (c.active_alerts.length) {
      t.append(el("div", { class: "alerts" }, c.active_alerts.map(a => a.signal).join(", ")));
    }
    return t;
  }

  function cameraView(c) {
    let v = views.get(c.camera_id);
    if (v) { return v; }
    const root = el("div", { class: "camera", "data-camera": c.camera_id });
    const img = el("img", { class: "snapshot", alt: "last frame of " + c.camera_id });
    const tileImg = el("img", { alt: "snapshot of " + c.camera_id });
    // shown once there is a picture (a camera that never streamed has none)
    img.hidden = true;
    tileImg.hidden = true;
    const head = el("h2", {}, c.camera_id + " ", el("span", { class: "muted" }, c.model_id));
    const info = el("div", { class: "info" });
    const strip = el("div", { class: "strip", title: "source state" });
    const timeline = el("div", { class: "timeline", title: "alerts" });
    const alertList = el("table", { class: "alert-list" });
    const plots = el("div", { class: "plots" });
    // the frames kept for labelling, newest first; shown once the camera has some
    const samplesHead = el("h3", {}, "Samples");
    const samplesBox = el("div", { class: "samples" });
    samplesHead.hidden = true;
    samplesBox.hidden = true;
    root.append(head, info, snapshotsOn ? img : el("p", { class: "muted" }, "snapshots are off on this box"),
      el("h3", {}, "Source state"), strip, el("h3", {}, "Alerts"), timeline, alertList, samplesHead, samplesBox, plots);
    document.getElementById("cameras").append(root);
    v = { root, img, tileImg, info, strip, timeline, alertList, plots, samplesHead, samplesBox, sampleFigs: new Map(),
      charts: {}, urls: [] };
    views.set(c.camera_id, v);
    return v;
  }

  async function snapshot(id, v) {
    if (!snapshotsOn) { return; }
    const blob = await api("/api/cameras/" + encodeURIComponent(id) + "/snapshot.jpg", true);
    if (!blob) { return; }
    const url = URL.createObjectURL(blob);
    v.img.src = url;
    v.tileImg.src = url;
    v.img.hidden = false;
    v.tileImg.hidden = false;
    v.urls.push(url);
    while (v.urls.length > 2) { URL.revokeObjectURL(v.urls.shift()); }
  }

  const SAMPLES_SHOWN = 6;

  async function samples(id, v) {
    const s = await api("/api/cameras/" + encodeURIComponent(id) + "/samples?limit=" + SAMPLES_SHOWN);
    const list = s ? s.samples : [];
    v.samplesHead.hidden = list.length === 0;
    v.samplesBox.hidden = list.length === 0;
    const shown = new Map();
    for (const x of list) {
      let f = v.sampleFigs.get(x.id);
      if (!f) {
        const what = x.predictions.length === 0 ? "nothing predicted"
          : [...new Set(x.predictions.map(p => p.class))].join(", ") + " (" + x.predictions.length + ")";
        const img = el("img", { alt: "sample " + x.id + " of " + id, title: x.width + "x" + x.height + ", " + what });
        f = el("figure", { class: "sample", "data-sample": x.id }, img,
          el("figcaption", {}, x.strategy + " · " + new Date(x.at).toLocaleTimeString() + " · " + what));
        if (x.image) {
          // through api(): a box with a token needs it on image requests too
          api(x.image, true).then(b => { if (b) { img.src = URL.createObjectURL(b); } });
        } else {
          img.hidden = true;
        }
      }
      shown.set(x.id, f);
    }
    for (const [k, f] of v.sampleFigs) {
      const img = f.querySelector("img");
      if (!shown.has(k) && img.src) { URL.revokeObjectURL(img.src); }
    }
    v.sampleFigs = shown;
    v.samplesBox.replaceChildren(...shown.values());
  }

  // the daemon's starts, stops and clock steps as dashed lines across a plot (read at each draw)
  function marksPlugin(v) {
    return { hooks: { draw: [u => {
      const ctx = u.ctx, dpr = window.devicePixelRatio || 1, b = u.bbox;
      ctx.save();
      ctx.lineWidth = dpr;
      ctx.setLineDash([3 * dpr, 3 * dpr]);
      (v.marks || []).forEach(m => {
        const x = Math.round(u.valToPos(m.t, "x", true));
        if (x < b.left || x > b.left + b.width) { return; }
        ctx.strokeStyle = m.kind === "clock_step" ? "#bf8700" : "#57606a";
        ctx.beginPath();
        ctx.moveTo(x, b.top);
        ctx.lineTo(x, b.top + b.height);
        ctx.stroke();
      });
      ctx.restore();
    }] } };
  }

  function chart(v, key, title, series, data, yRange) {
    const width = Math.max(320, Math.min(640, v.plots.clientWidth || 640));
    if (v.charts[key] && v.charts[key].series.length === series.length + 1) {
      v.charts[key].setData(data);
      return;
    }
    if (v.charts[key]) { v.charts[key].destroy(); v.charts[key].wrap.remove(); }
    const wrap = el("div", { class: "plot", "data-plot": key }, el("h3", {}, title));
    v.plots.append(wrap);
    const colors = ["#0969da", "#1a7f37", "#cf222e", "#8250df", "#bf8700", "#57606a"];
    const u = new uPlot({
      width, height: 180,
      series: [{}].concat(series.map((s, i) => Object.assign({ stroke: colors[i % colors.length], width: 1.5 }, s))),
      axes: [{}, { size: 50 }],
      // the asked range, not the data's: one point must not stretch the axis over years
      scales: { x: { time: true, range: () => v.xr }, y: yRange ? { range: () => yRange } : {} },
      plugins: [marksPlugin(v)],
    }, data, wrap);
    u.wrap = wrap;
    wrap.uplot = u;
    v.charts[key] = u;
  }

  function renderHistory(id, v, h) {
    const now = Date.parse(h.to) / 1000;
    const from = Date.parse(h.from) / 1000;
    const pts = h.points;
    v.xr = [from, now];
    v.marks = h.marks || [];
    const t = pts.map(p => p.t);
    chart(v, "fps", "Frames per second (" + h.step_s + " s points)", [{ label: "seen" }, { label: "inferred" }],
      [t, pts.map(p => p.fps_seen), pts.map(p => p.fps_inferred)]);
    chart(v, "latency", "Inference latency, ms", [{ label: "mean call" }, { label: "p95" }],
      [t, pts.map(p => p.call_ms), pts.map(p => p.inference_p95_ms)]);
    const classes = [...new Set(pts.flatMap(p => Object.keys(p.classes)))].sort().slice(0, 5);
    if (classes.length) {
      const series = [];
      const data = [t];
      classes.forEach(c => {
        series.push({ label: c + " mean confidence" });
        data.push(pts.map(p => p.classes[c] ? p.classes[c].mean_confidence : null));
        const b = h.baseline[c];
        if (b) {
          series.push({ label: c + " baseline", dash: [4, 4] });
          data.push(t.map(() => b.mean_confidence));
          series.push({ label: c + " alert below", dash: [2, 6] });
          data.push(t.map(() => b.alert_below));
        }
      });
      chart(v, "confidence", "Confidence by class, with the learnt baseline", series, data, [0, 1]);
      chart(v, "detections", "Detections by class", classes.map(c => ({ label: c })),
        [t].concat(classes.map(c => pts.map(p => p.gap ? null : p.classes[c] ? p.classes[c].count : 0))));
    }
    // source state strip over the range
    v.strip.replaceChildren();
    const span = Math.max(1, now - from);
    // a state lasts until the next one, or until the daemon stopped or started again: what the
    // source did while edgewatch was not running is not known, and is left blank
    const cuts = v.marks.filter(m => m.kind !== "clock_step").map(m => m.t);
    h.states.forEach((s, i) => {
      const start = Math.max(from, s.t);
      let end = i + 1 < h.states.length ? h.states[i + 1].t : now;
      const cut = cuts.find(c => c > s.t && c < end);
      if (cut !== undefined) { end = cut; }
      if (end < from) { return; }
      v.strip.append(el("span", { class: s.state, title: s.state + " from " + s.at,
        style: { left: (100 * (start - from) / span) + "%", width: Math.max(0.3, 100 * (end - start) / span) + "%" } }));
    });
    v.timeline.replaceChildren();
    v.marks.forEach(m => v.timeline.append(el("b", { class: "mark " + m.kind, title: m.text + " at " + m.at,
      style: { left: (100 * (m.t - from) / span) + "%" } })));
    h.alerts.forEach(a => v.timeline.append(el("i", { class: a.state, title: a.at + " " + a.signal + " " + a.state + ": " + a.message,
      style: { left: (100 * (a.t - from) / span) + "%" } })));
    v.alertList.replaceChildren();
    h.alerts.slice(0, 10).forEach(a => v.alertList.append(el("tr", { class: "alert-row" },
      el("td", {}, new Date(a.t * 1000).toLocaleString()), el("td", { class: a.state === "firing" ? "bad" : "ok" }, a.signal + " " + a.state),
      el("td", { class: "muted" }, a.message))));
  }

  async function refreshHistories() {
    const to = Math.floor(Date.now() / 1000);
    for (const [id, v] of views) {
      const h = await api("/api/cameras/" + encodeURIComponent(id) + "/history?from=" + (to - range) + "&to=" + to
        + "&step=" + Math.max(1, Math.round(range / 240)));
      if (h) { renderHistory(id, v, h); }
    }
  }

  async function refresh() {
    try {
      const [h, cams, alerts] = await Promise.all([api("/healthz"), api("/api/cameras"), api("/api/alerts")]);
      if (!h || !cams || !alerts) { return; }
      snapshotsOn = h.snapshots !== false;
      renderSummary(h, alerts);
      const tiles = document.getElementById("tiles");
      tiles.replaceChildren();
      const present = new Set();
      for (const c of cams) {
        present.add(c.camera_id);
        const v = cameraView(c);
        tiles.append(tile(c, v));
        const w = c.last_window || {};
        v.info.replaceChildren(el("span", { class: c.status === "ok" ? "ok" : "bad" }, c.status + ", " + c.source.state),
          (c.inference && c.inference.provider ? " · on " + c.inference.provider : "")
          + (c.source.decoder ? " · decoder " + c.source.decoder
            + (c.source.decoder_fallbacks ? " (" + c.source.decoder_fallbacks + " fallback(s) to software)" : "") : "")
          + " · " + fmt(w.fps_seen) + " fps seen, " + fmt(w.fps_inferred) + " inferred · dropped: "
          + drops(w.dropped_by_reason) + (c.source.last_error ? " · last error: " + c.source.last_error : ""));
        snapshot(c.camera_id, v);
        samples(c.camera_id, v);
      }
      for (const [id, v] of views) {
        if (!present.has(id)) { v.root.remove(); views.delete(id); }
      }
      await refreshHistories();
    } catch (e) {
      if (e instanceof Unauthorized) {
        askToken(token() ? "that token was refused" : "");
      } else {
        document.getElementById("box").textContent = "cannot reach the box: " + e.message;
      }
    }
  }

  // ask for the token before the first guarded call, so a box with one never sees a refused request
  fetch("/ui/auth", { cache: "no-store" }).then(r => r.json()).then(a => {
    if (a.token_required && !token()) {
      askToken("");
    } else {
      refresh();
    }
    setInterval(() => { if (!a.token_required || token()) { refresh(); } }, 5000);
  });
})();
