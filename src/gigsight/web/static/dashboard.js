// gigsight dashboard: reads the JSON API and draws with Plotly. Data is inserted as text nodes only, never as
// HTML, so a skill or country name cannot inject markup. Filters live in the URL, so every view is a link.
"use strict";

const PAGE = document.body.dataset.page;
const params = new URLSearchParams(location.search);
let META = null;

async function api(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === null || v === undefined || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, item);
  }
  const r = await fetch(`/api/${path}?${q}`);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : `HTTP ${r.status}`);
  return body;
}

// --- formatting -------------------------------------------------------------------------------------
const money = (v) => {
  if (v === null || v === undefined) return "n/a";
  const a = Math.abs(v), sign = v < 0 ? "-" : "";
  return sign + (a >= 1e9 ? `$${(a / 1e9).toFixed(2)}B` : a >= 1e6 ? `$${(a / 1e6).toFixed(1)}M`
    : a >= 1e4 ? `$${(a / 1e3).toFixed(1)}K` : `$${Math.round(a).toLocaleString("en-US")}`);
};
const pct = (v) => v === null || v === undefined ? "n/a" : `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}%`;
const share = (v) => v === null || v === undefined ? "n/a" : `${(v * 100).toFixed(1)}%`;
const count = (v) => v === null || v === undefined ? "n/a" : Math.round(v).toLocaleString("en-US");
const days = (v) => v === null || v === undefined ? "n/a" : `${v.toFixed(1)} d`;
const number = (v) => v === null || v === undefined ? "n/a" : v.toFixed(2);
const UNIT_FMT = { usd: money, count: count, ratio: share, days: days, number: number };
const specOf = (metric) => META.metrics.find((x) => x.name === metric) || { name: metric, title: metric,
  unit: "count", better: "up" };
const fmtOf = (metric) => UNIT_FMT[specOf(metric).unit] || String;
// the colour of a change: good news depends on the metric (more days to hire is bad); under half a percent is flat
const tone = (metric, g) => g === null || g === undefined ? "none"
  : Math.abs(g) < 0.005 || specOf(metric).better === "neither" ? "flat"
  : (g > 0) === (specOf(metric).better === "up") ? "good" : "bad";

function sparkline(values, width = 150, height = 28) {
  const ns = "http://www.w3.org/2000/svg";
  const known = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  const svg = document.createElementNS(ns, "svg");
  for (const [k, v] of [["width", width], ["height", height], ["viewBox", `0 0 ${width} ${height}`],
    ["class", "spark"], ["aria-hidden", "true"]]) svg.setAttribute(k, v);
  if (known.length < 2) return svg;
  const lo = Math.min(...known.map(([, v]) => v)), hi = Math.max(...known.map(([, v]) => v));
  const step = width / Math.max(values.length - 1, 1);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", known.map(([i, v]) =>
    `${(i * step).toFixed(1)},${(height - 3 - (v - lo) / ((hi - lo) || 1) * (height - 6)).toFixed(1)}`).join(" "));
  svg.append(line);
  return svg;
}

// --- DOM helpers ------------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function section(title, id) {
  const s = el("section", { class: "card", id });
  s.append(el("h2", {}, title));
  document.getElementById("content").append(s);
  return s;
}

// A CSV cell: quoted when it holds a separator, and text a spreadsheet would run as a formula (a client named
// "=HYPERLINK(...)") is kept as text with a leading apostrophe; numbers go out as computed, not as shown.
function csvCell(v) {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// A table whose rows end in a reason (a sentence) becomes a stack of cards on a phone: one row, one block, each
// figure labelled, instead of a narrow sideways-scrolling grid of tall rows.
function table(rows, columns) {
  const t = el("table", columns[columns.length - 1][1] === "why" ? { class: "stack" } : {});
  // a column of figures (one with a number format) aligns right, as in the report; words stay left
  const num = columns.map(([key, , f]) => Boolean(f) && rows.some((r) => typeof r[key] === "number"));
  const cls = (i) => (num[i] ? { class: "num" } : {});
  t.append(el("thead", {}, el("tr", {}, ...columns.map(([, label], i) => el("th", cls(i), label)))));
  const body = el("tbody");
  for (const r of rows) {
    body.append(el("tr", {}, ...columns.map(([key, label, f], i) => el("td", { ...cls(i), "data-label": label },
      (f || String)(r[key])))));
  }
  t.append(body);
  const csv = [columns.map(([, label]) => csvCell(label)).join(","),
    ...rows.map((r) => columns.map(([key]) => csvCell(r[key])).join(","))].join("\r\n") + "\r\n";
  const link = el("a", { class: "csv", href: "#", role: "button" }, "Download CSV");
  link.addEventListener("click", () => {  // made when asked: the file is named after its card
    const card = link.closest("section");
    link.download = `gigsight-${PAGE}-${card ? card.id : "table"}.csv`;
    link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  });
  return el("div", {}, el("div", { class: "scroll" }, t), link);
}

// A chart drawn while its card was the grid's only one is sized for the whole row; when later cards narrow the
// column (or a phone rotates) Plotly's own "responsive" only follows the window, so follow each container.
const refit = new ResizeObserver((entries) => {
  for (const e of entries) if (e.target.isConnected && e.target.offsetParent) Plotly.Plots.resize(e.target);
});

function chart(parent, traces, layout = {}) {
  const height = layout.height || 340;
  const div = el("div", { class: "chart", style: `height: ${height}px` });  // the card reserves the chart's height
  parent.append(div);
  refit.observe(div);
  Plotly.newPlot(div, traces, {
    margin: { l: 60, r: 20, t: 10, b: 60 }, autosize: true, height, legend: { orientation: "h", y: 1.12 },
    font: { family: "system-ui, sans-serif", size: 12 }, ...layout,
  }, { responsive: true, displayModeBar: false });
  return div;
}

async function guarded(parent, work) {
  try { await work(); } catch (e) { parent.append(el("p", { class: "error" }, e.message)); }
}

// A chart the quarterly report draws too: the server builds its figure from one specification
// (report/charts.py, /api/charts/NAME); the card's heading is its title, so the figure's own is dropped.
function figure(parent, fig, layout = {}) {
  // On a phone a scatter's names would print over each other: they move to the tap-to-see hover text.
  const narrow = parent.clientWidth < 500;
  const data = fig.data.map((t) => (narrow && t.mode === "markers+text" ? { ...t, mode: "markers" } : t));
  return chart(parent, data, { ...fig.layout, title: { text: "" }, margin: { l: 60, r: 20, t: 10, b: 80 },
    ...layout });
}

// --- filters ----------------------------------------------------------------------------------------
function select(name, label, options, fallback) {
  const value = params.get(name) || fallback;
  const s = el("select", { name, id: `f-${name}` });
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    const opt = el("option", { value: v }, text);
    if (v === value) opt.selected = true;
    s.append(opt);
  }
  s.addEventListener("change", () => { params.set(name, s.value); rerender(); });
  document.getElementById("filters").append(el("label", { for: `f-${name}` }, label), s);
  return value;
}

function checkbox(name, label) {
  const c = el("input", { type: "checkbox", name, id: `f-${name}` });
  c.checked = params.get(name) === "true";
  c.addEventListener("change", () => { params.set(name, String(c.checked)); rerender(); });
  document.getElementById("filters").append(el("label", { for: `f-${name}` }, c, label));
  return c.checked;
}

function shifted(period, compare) {
  const list = META.periods.quarter;
  const i = list.indexOf(period) - (compare === "qoq" ? 1 : 4);
  return i >= 0 ? list[i] : null;
}

// --- pages ------------------------------------------------------------------------------------------
async function overview(period) {
  const cards = section("Key figures", "kpis");
  const rows = await api("kpis", { metrics: META.headline.join(","), period: "quarter", compare: ["yoy", "qoq"],
    end: period });
  const row = rows[rows.length - 1];
  const grid = el("div", { class: "kpis" });
  for (const m of META.headline) {
    const growth = (c, label) => el("span", { class: tone(m, row[`${m}_${c}`]) }, `${pct(row[`${m}_${c}`])} ${label}`);
    grid.append(el("div", { class: "kpi", "data-metric": m, title: specOf(m).description },
      el("span", { class: "name" }, specOf(m).title),
      el("span", { class: "value" }, fmtOf(m)(row[m])),
      el("span", { class: "growth" }, growth("yoy", "YoY"), growth("qoq", "QoQ")),
      sparkline(rows.slice(-8).map((r) => r[m]))));
  }
  cards.append(grid);
  const trend = section("GSV by quarter: AI-related vs other work", "gsv-trend");
  await guarded(trend, async () => {
    const rows = await api("kpis", { metrics: "gsv", period: "quarter", by: "ai", end: period });
    const split = (ai) => rows.filter((r) => r.ai === ai);
    chart(trend, [false, true].map((ai) => ({ type: "bar", name: ai ? "AI-related" : "other",
      x: split(ai).map((r) => r.period), y: split(ai).map((r) => r.gsv) })),
    { barmode: "stack", yaxis: { tickprefix: "$", automargin: true } });
  });
}

async function growth(period) {
  const compare = select("compare", "compare", [["yoy", "year over year"], ["qoq", "quarter over quarter"]], "yoy");
  const by = select("by", "drivers by", META.partitions, "category");
  const figs = await api("charts/growth_bridge", { period, compare });
  // from the earlier period's total, through each part's effect (with its share of the change), to this one's
  figs.forEach((f, i) => figure(section(f.layout.title.text, `bridge-${i + 1}`), f,
    { showlegend: false, xaxis: { tickangle: 0, automargin: true } }));
  const from = shifted(period, compare);
  const card = section(`Drivers of the GSV change, ${from} to ${period}`, "drivers");
  if (!from) { card.append(el("p", {}, "No earlier period in the data to compare with.")); return; }
  await guarded(card, async () => {
    const rows = await api("drivers", { metric: "gsv", from, to: period, by });
    card.append(table(rows.slice(0, 15), [["segment", by], ["change", "change", money],
      ["size_effect", "size effect", money], ["rate_effect", "rate effect", money],
      ["share_of_change", "share of change", share]]));
  });
}

async function segments(period) {
  const by = select("by", "segment", META.partitions, "category");
  const second = select("and", "and by", [["", "(none)"], ...META.partitions.filter((x) => x !== by)], "");
  const rows = await api("kpis", { metrics: "gsv,paying_clients,take_rate", period: "quarter", by, compare: "yoy",
    start: period, end: period });
  rows.sort((a, b) => (b.gsv || 0) - (a.gsv || 0));
  const card = section(`GSV by ${by}, ${period}`, "segment-gsv");
  const names = rows.map((r) => String(r[by]));
  chart(card, [{ type: "bar", name: "GSV", x: names, y: rows.map((r) => r.gsv) },
    { type: "scatter", mode: "markers", name: "YoY", x: names, y: rows.map((r) => r.gsv_yoy), yaxis: "y2" }],
  { yaxis: { tickprefix: "$", title: { text: "GSV" } },
    yaxis2: { overlaying: "y", side: "right", tickformat: "+.0%", showgrid: false, zeroline: false,
      title: { text: "GSV YoY" } },
    margin: { l: 70, r: 70, t: 10, b: 120 } });
  card.append(table(rows, [[by, by], ["gsv", "GSV", money], ["gsv_yoy", "GSV YoY", pct],
    ["paying_clients", "paying clients", count], ["paying_clients_yoy", "paying clients YoY", pct],
    ["take_rate", "take rate", share]]));
  if (by !== "tier") {
    const size = section(`Size against growth by ${by}, ${period} (95% interval)`, "segment-size-growth");
    await guarded(size, async () => {
      const g = await api("segments/growth", { period, by, compare: "yoy" });
      const [fig] = await api("charts/size_against_growth", { period, by, compare: "yoy" });
      figure(size, fig, { height: 420 });
      size.append(el("p", { class: "status" }, "Right is bigger, up is faster growing; a long bar means the growth "
        + "rests on few clients. Segments whose bar stays above zero are growing beyond chance."));
      size.append(table(g, [["segment", by], ["gsv", "GSV", money], ["growth", "GSV YoY", pct],
        ["growth_low", "95% low", pct], ["growth_high", "95% high", pct], ["clients", "paying clients", count]]));
    });
  }
  if (!second || second === by) return;
  const cross = section(`GSV year over year by ${by} and ${second}, ${period}`, "segment-cross");
  await guarded(cross, async () => {
    const r2 = await api("kpis", { metrics: "gsv", period: "quarter", by: [by, second], compare: "yoy",
      start: period, end: period });
    const [fig] = await api("charts/segment_cross", { period, by, second, compare: "yoy" });
    figure(cross, fig, { height: Math.max(320, 40 * fig.data[0].y.length + 120),
      margin: { l: 160, r: 20, t: 10, b: 120 } });
    cross.append(el("details", {}, el("summary", {}, `The ${r2.length} cells as a table`),
      table(r2, [[by, by], [second, second], ["gsv", "GSV", money], ["gsv_yoy", "GSV YoY", pct]])));
  });
}

async function skills(period) {
  const aiOnly = checkbox("ai_only", " AI skills only");
  const rows = await api("skills/trends", { period: "quarter", at: period, ai_only: aiOnly, top: 15 });
  const card = section(`Top skills by jobs posted, ${period}`, "skill-trends");
  chart(card, [{ type: "bar", orientation: "h", x: rows.map((r) => r.jobs_posted).reverse(),
    y: rows.map((r) => r.skill).reverse(), text: rows.map((r) => pct(r.jobs_yoy)).reverse(), textposition: "auto" }],
  { margin: { l: 160, r: 20, t: 10, b: 40 }, height: 460, yaxis: { automargin: true } });
  card.append(table(rows, [["rank", "#"], ["skill", "skill"], ["jobs_posted", "jobs", count],
    ["jobs_yoy", "YoY", pct], ["gsv", "GSV", money], ["guard", "growth check"]]));
  const prom = section("Skills to promote", "promote");
  await guarded(prom, async () => {
    const p = await api("skills/promote", { period: "quarter", at: period, top: 10 });
    prom.append(table(p, [["rank", "#"], ["skill", "skill"], ["score", "score", (v) => v.toFixed(2)],
      ["reasons", "why"]]));
  });
  const em = section("Emerging and declining skills", "emerging");
  await guarded(em, async () => {
    const e = await api("skills/emerging");
    const of = (t) => e.filter((r) => r.trend === t).slice(0, 10); // risers never hide fallers
    const moving = [...of("emerging"), ...of("declining")];
    em.append(moving.length ? table(moving, [["skill", "skill"], ["trend", "trend"],
      ["share_ratio", "share ratio", (v) => v === null ? "n/a" : `${v.toFixed(2)}x`],
      ["q", "q-value", (v) => v === null ? "n/a" : v.toFixed(3)]])
      : el("p", {}, "No skill changed beyond chance in the last months."));
  });
}

async function clients(period) {
  // tiers from smallest to largest spend: "<$1K" first, then by the lower bound ("$10K-$50K" -> 10)
  const bound = (t) => t.startsWith("<") ? -1 : parseFloat(t.replace(/[^0-9.]/g, " ").trim().split(" ")[0]);
  const rows = (await api("clients/tiers", { at: period, period: "quarter" }))
    .sort((a, b) => bound(a.tier) - bound(b.tier));
  const card = section(`Client tiers (trailing 12-month spend), ${period}`, "tiers");
  const [mix] = await api("charts/tier_mix", { period });
  figure(card, mix, { height: 340 });
  card.append(table(rows, [["tier", "tier"], ["clients_by_tier", "clients", count],
    ["clients_by_tier_yoy", "YoY", pct], ["gsv_by_tier", "GSV", money], ["gsv_by_tier_yoy", "GSV YoY", pct]]));
  const heat = section("Retention by acquisition quarter", "cohorts");
  await guarded(heat, async () => {
    for (const fig of await api("charts/cohort_retention", { period })) {
      heat.append(el("h3", {}, fig.layout.title.text));
      figure(heat, fig, { height: 420, xaxis: { ...fig.layout.xaxis, title: { text: "quarters since first payment" } } });
    }
  });
}

// the last day of a quarter label ("2025Q3" -> "2025-09-30"), capped at the last day with data
function quarterEnd(period) {
  const [y, q] = [parseInt(period.slice(0, 4), 10), parseInt(period.slice(5), 10)];
  const end = new Date(Date.UTC(y, q * 3, 0)).toISOString().slice(0, 10);
  const last = META.data_to.slice(0, 10);
  return end < last ? end : last;
}

const LISTS = [["at-risk", "high value at risk"], ["rising", "rising new clients"], ["win-back", "dormant to win back"],
  ["value", "most expected value"]];

async function clientValue(period) {
  const which = select("list", "clients to prioritise", LISTS, "at-risk");
  const at = quarterEnd(period);
  const card = section(`Clients to prioritise as of ${at}: ${LISTS.find(([v]) => v === which)[1]}`, "client-list");
  const drill = section("One client's history", "client-history");
  drill.append(el("p", { class: "status" }, "Choose a client in the list to see its GSV by month."));
  await guarded(card, async () => {
    const r = await api("clients/top", { list: which, limit: 15, at, horizon_days: 365 });
    card.append(el("p", { class: "status" }, `Forecast of the next 365 days by the ${r.model} model. ${r.notes[0] || ""}`));
    const rows = r.clients.map((c) => ({ ...c, open: c.client_id }));
    const t = table(rows, [["client_id", "client"], ["expected_gsv", "expected GSV (365 d)", money],
      ["p_active", "P(active)", (v) => v.toFixed(2)], ["reason", "why"]]);
    for (const [i, tr] of [...t.querySelectorAll("tbody tr")].entries()) {
      const b = el("button", { type: "button", class: "link" }, rows[i].client_id);
      b.addEventListener("click", () => showHistory(drill, rows[i].client_id));
      tr.firstChild.replaceChildren(b);
    }
    card.append(t);
    const dec = section("Share of next year's expected GSV by decile of active clients", "clv-deciles");
    figure(dec, r.deciles_figure, { showlegend: false });
    dec.append(el("p", { class: "status" }, `The top 10% of active clients (paid in the last 12 months) hold ${share(r.deciles[0].share)} of the GSV they are expected to spend over the next 365 days.`));
  });
}

async function showHistory(card, clientId) {
  card.replaceChildren(el("h2", {}, `Client ${clientId}: GSV by month`));
  await guarded(card, async () => {
    const h = await api("clients/history", { client_id: clientId });
    chart(card, [{ type: "bar", name: "GSV", x: h.map((r) => r.month), y: h.map((r) => r.gsv) }],
      { yaxis: { tickprefix: "$", title: { text: "GSV" } }, showlegend: false, height: 280 });
    card.append(table(h.slice(-12).reverse(), [["month", "month"], ["gsv", "GSV", money], ["refunds", "refunds", money],
      ["purchase_days", "purchase days", count], ["contracts", "contracts", count]]));
  });
}

const RENDER = { overview, growth, segments, skills, clients: async (period) => {
  await clientValue(period);
  await clients(period);
} };

async function rerender() {
  history.replaceState(null, "", `?${params}`);
  refit.disconnect();  // the charts below are about to go
  document.getElementById("filters").replaceChildren();
  document.getElementById("content").replaceChildren();
  const status = document.getElementById("status");
  status.className = "status";
  status.textContent = "Loading…";
  try {
    META = META || await api("meta");
    // every quarter with data, the latest included; a partial one and the warm-up ones say what they are
    const quarters = META.periods.quarter.slice().reverse().map((q) => [q,
      q === META.partial_period ? `${q} (partial)` : META.warmup_periods.includes(q) ? `${q} (warm-up)` : q]);
    const period = select("period", "quarter", quarters, META.default_period);
    await RENDER[PAGE](period);
    status.textContent = `Data ${META.data_from.slice(0, 10)} to ${META.data_to.slice(0, 10)}` +
      (period === META.partial_period ? `: ${period} is partial (data to ${META.data_to.slice(0, 10)}), compare it ` +
        "with care" : "") +
      (META.warmup_periods.includes(period) ? `: ${period} is in the first twelve months of data, so active ` +
        "clients and other trailing-12-month figures count fewer months (and every client looks new)" : "");
  } catch (e) {
    status.className = "status error";
    status.textContent = e.message;
  }
}

rerender();
