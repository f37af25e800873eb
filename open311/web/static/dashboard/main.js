// The dashboard: reads its state from the URL, asks the public API, draws the figures, the map,
// the charts, the hot corners and the table. `window.o311Dashboard` tells tests and benchmarks what
// was drawn; the first full draw is marked "o311-dashboard-drawn" (Performance API).

import { Api } from "./api.js";
import { Charts } from "./charts.js";
import { DashboardMap } from "./mapview.js";
import { apiFilters, chartPeriod, readState, writeState } from "./state.js";
import { CellTable } from "./table.js";
import {
  BLUES, HEAT, colourOf, daysBefore, el, formatMeasure, formatNumber, laterDay, monthsBefore, today,
} from "./util.js";

/** Hot corners are the clusters of the last days of the period: where a team is needed now (and what stays
 * fast to cluster at any size of the city's history). */
const CORNER_DAYS = 30;

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const t = config.messages;
const lang = config.lang;
const api = new Api(config.api, config.jurisdiction_id, lang);
const form = document.getElementById("filters");
const status = document.getElementById("status");
const controls = {
  start: document.getElementById("f-start"),
  end: document.getElementById("f-end"),
  group: document.getElementById("f-group"),
  service_code: document.getElementById("f-service"),
  layer: document.getElementById("f-layer"),
  area: document.getElementById("f-area"),
  agency_responsible: document.getElementById("f-department"),
  measure: document.getElementById("f-measure"),
  corners: document.getElementById("f-corners"),
};
/** How many hot corners the list and the map show (the largest). */
const HOT_CORNERS = 10;
const report = { generation: 0, drawnMs: null, cells: {}, error: null };
window.o311Dashboard = report;

let state = readState(config);
let catalogue = null;
let latest = 0;
let hexagonTimer = null;

const map = new DashboardMap(document.getElementById("map"), config, t, {
  onArea: (code) => change({ area: state.area === code ? "" : code }),
  onView: () => {
    if (state.view !== "hexagons" || !report.generation) return;
    clearTimeout(hexagonTimer);
    hexagonTimer = setTimeout(refreshHexagons, 250);
  },
});
const charts = new Charts(document.getElementById("chart-volume"), document.getElementById("chart-close"), t, lang);
const table = new CellTable(document.getElementById("cells"), t, lang);

function options(select, entries, value, allLabel) {
  const items = entries.map(([key, label]) => el("option", { value: key }, label));
  if (allLabel !== null) items.unshift(el("option", { value: "" }, allLabel));
  select.replaceChildren(...items);
  select.value = entries.some(([key]) => key === value) ? value : (allLabel !== null ? "" : entries[0]?.[0] || "");
}

function layers() {
  const seen = new Map();
  for (const f of catalogue.areas.features) seen.set(f.properties.layer, f.properties.layer_name);
  return [...seen.entries()];
}

/** Show the state in the controls (catalogue lists included). */
function syncControls() {
  const collator = new Intl.Collator(lang);
  controls.start.value = state.start;
  controls.end.value = state.end;
  const groups = [...new Set(catalogue.services.map((s) => s.group).filter(Boolean))].sort(collator.compare);
  options(controls.group, groups.map((g) => [g, g]), state.group, t.all_groups);
  const services = catalogue.services.filter((s) => !state.group || s.group === state.group);
  options(controls.service_code, services.map((s) => [s.service_code, s.service_name]), state.service_code,
    t.all_services);
  options(controls.layer, layers(), state.layer, null);
  const areas = catalogue.areas.features.map((f) => f.properties).filter((a) => a.layer === state.layer);
  options(controls.area, areas.map((a) => [a.code, a.name]), state.area, t.all_areas);
  controls.measure.value = state.measure;
  controls.corners.checked = state.corners === "on";
  for (const radio of form.elements.view) radio.checked = radio.value === state.view;
  const other = new URL(window.location.href);
  other.searchParams.set("lang", lang === "fr" ? "en" : "fr");
  document.getElementById("lang-switch").href = other.pathname + other.search;
}

function showDepartments(cells) {
  const entries = cells.filter((c) => c.agency_responsible)
    .map((c) => [c.agency_responsible, c.agency_name || c.agency_responsible])
    .sort((a, b) => a[1].localeCompare(b[1], lang));
  if (state.agency_responsible && !entries.some(([code]) => code === state.agency_responsible)) {
    entries.unshift([state.agency_responsible, state.agency_responsible]);
  }
  options(controls.agency_responsible, entries, state.agency_responsible, t.all_departments);
}

function showFigures(cell) {
  for (const dd of document.querySelectorAll(".kpis dd")) {
    const value = cell ? cell[dd.dataset.measure] : null;
    const withheld = cell && value === null && cell.withheld;
    dd.textContent = withheld ? t.withheld : formatMeasure(dd.dataset.measure, value ?? (cell ? null : 0), lang);
    dd.dataset.value = value ?? "";
    dd.title = withheld ? cell.withheld : "";
    dd.classList.toggle("withheld", Boolean(withheld));
  }
}

function legend(title, limits, palette, extra) {
  const box = document.getElementById("legend");
  const count = limits.length + 1;
  const bounds = [null, ...limits];
  const items = bounds.map((low, i) => {
    const swatch = el("span", { className: "swatch" });
    swatch.style.backgroundColor = colourOf(i, count, palette);
    const text = i === count - 1 ? `≥ ${formatNumber(low ?? 0, lang)}` : `< ${formatNumber(limits[i], lang)}`;
    return el("span", {}, swatch, text);
  });
  box.replaceChildren(el("strong", {}, title), ...items, ...(extra || []));
}

function showCorners(collection) {
  const list = document.getElementById("corners");
  const features = collection ? collection.features.slice(0, HOT_CORNERS) : [];
  const items = features.map((feature) => {
    const p = feature.properties;
    const tops = (p.top_categories || []).map((c) => `${c.service_name} (${c.count})`).join(", ");
    const item = el("li", { tabIndex: 0 },
      el("strong", {}, `${formatNumber(p.count, lang)} ${t.requests_unit}`), " ",
      t.within_m.replace("{m}", formatNumber(Math.round(p.radius_m), lang)),
      tops ? el("div", { className: "tops" }, `${t.top_categories}: ${tops}`) : null);
    item.addEventListener("click", () => map.showCorner(feature));
    return item;
  });
  if (!items.length) items.push(el("li", { className: "note" }, collection ? t.no_hot_corners : "–"));
  list.replaceChildren(...items);
}

async function refreshHexagons() {
  const token = latest;
  const hexagons = await api.get("hotspots.geojson", { ...apiFilters(state, config.time_zone), ...map.view() });
  if (token !== latest) return;
  const limits = map.setHexagons(hexagons, true);
  report.cells.hexagons = hexagons.features.length;
  legend(t.legend_hexagons, limits, HEAT);
}

function finish(token) {
  requestAnimationFrame(() => {
    if (token !== latest) return;
    report.generation += 1;
    if (report.drawnMs === null) {
      const mark = performance.mark("o311-dashboard-drawn");
      report.drawnMs = Math.round(mark.startTime);
      document.getElementById("drawn").textContent = t.drawn_in.replace("{ms}", formatNumber(report.drawnMs, lang));
    }
    document.body.dataset.generation = String(report.generation);
  });
}

/** The filters of the hot corners: those of the view, over its last CORNER_DAYS days. */
function cornerFilters(filters) {
  const start = laterDay(state.start, daysBefore(state.end, CORNER_DAYS - 1));
  return { ...filters, start_date: apiFilters({ ...state, start }, config.time_zone).start_date };
}

/** Ask the API for everything the state shows, then draw it (an older draw's answers are dropped).
 * The statistics are asked at once; the hexagons as soon as the map knows its view (after the areas). */
async function draw(push) {
  const token = ++latest;
  status.textContent = t.loading;
  status.classList.remove("error");
  const filters = apiFilters(state, config.time_zone);
  const period = chartPeriod(state);
  const areaKey = state.layer ? `area:${state.layer}` : "area"; // plain "area": the most specific layer
  const statistics = Promise.all([
    api.statistics("", filters),
    api.statistics(areaKey, filters),
    api.statistics(period, filters),
    api.statistics(`${areaKey},service_code`, filters),
    api.statistics("agency_responsible", { ...filters, agency_responsible: "" }),
    state.corners === "on" ? api.get("hotspots.geojson", { ...cornerFilters(filters), clusters: "true" }) : null,
  ]);
  const hexagons = ready.then(() => {
    if (state.area) map.focus(state.area);
    return state.view === "hexagons" ? api.get("hotspots.geojson", { ...filters, ...map.view() }) : null;
  });
  // Handled below, or dropped with their draw: never an "uncaught rejection" meanwhile.
  for (const pending of [statistics, hexagons]) pending.catch(() => {});
  try {
    await ready;
    if (token !== latest) return;
    writeState(state, push);
    syncControls();
    const [[total, byArea, byPeriod, byCell, departments, corners], hexagonCollection] = await Promise.all([
      statistics, hexagons,
    ]);
    if (token !== latest) return;
    report.cells = { total: total[0] || null, areas: byArea.length, periods: byPeriod.length, table: byCell.length };
    report.error = null;
    showFigures(total[0]);
    showDepartments(departments);
    const values = Object.fromEntries(byArea.map((c) => [c.area, c[state.measure] ?? null]));
    const areaLimits = map.paintAreas(values, state.measure, state.view === "areas");
    const hexagonLimits = map.setHexagons(hexagonCollection || { features: [] }, state.view === "hexagons");
    report.cells.hexagons = hexagonCollection ? hexagonCollection.features.length : 0;
    if (state.view === "areas") {
      const none = el("span", {}, el("span", { className: "swatch no-value" }), t.legend_no_value);
      legend(t[state.measure], areaLimits, BLUES, [none]);
    } else {
      legend(t.legend_hexagons, hexagonLimits, HEAT);
    }
    map.setCorners(corners || { features: [] }, state.corners === "on", HOT_CORNERS);
    report.cells.corners = corners ? corners.features.length : 0;
    showCorners(corners);
    charts.draw(byPeriod, period);
    table.show(byCell);
    status.textContent = total[0] && total[0].opened ? "" : t.no_data;
    finish(token);
  } catch (error) {
    if (token !== latest) return;
    report.error = error.message;
    status.textContent = `${t.load_error}: ${error.message}`;
    status.classList.add("error");
    console.warn("open311 dashboard:", error);
  }
}

/** Apply a change of the state (from a control, the map or a preset) and redraw. */
function change(update) {
  const next = { ...state, ...update };
  if (update.group !== undefined && next.service_code) {
    const service = catalogue.services.find((s) => s.service_code === next.service_code);
    if (next.group && (!service || service.group !== next.group)) next.service_code = "";
  }
  if (next.layer !== state.layer) {
    next.area = "";
    map.setAreas(catalogue.areas, next.layer);
  } else if (update.area !== undefined && !next.area) {
    map.focus("");
  }
  state = next;
  draw(true);
}

function fromControl(target) {
  if (target.name === "view") return { view: target.value };
  if (target.name === "corners") return { corners: target.checked ? "on" : "off" };
  if ((target.name === "start" || target.name === "end") && !target.value) return null;
  return { [target.name]: target.value };
}

document.addEventListener("change", (event) => {
  if (event.target.form !== form) return;
  const update = fromControl(event.target);
  if (update) change(update);
});
form.addEventListener("submit", (event) => event.preventDefault());
for (const button of form.querySelectorAll("button[data-days], button[data-months]")) {
  button.addEventListener("click", () => {
    const end = today(config.time_zone);
    const { days, months } = button.dataset;
    change({ start: days ? daysBefore(end, Number(days) - 1) : monthsBefore(end, Number(months) - 1), end });
  });
}
window.addEventListener("popstate", () => {
  const layer = state.layer;
  state = readState(config);
  if (!layers().some(([code]) => code === state.layer)) state.layer = layers().at(-1)[0];
  if (state.layer !== layer) map.setAreas(catalogue.areas, state.layer);
  if (!state.area) map.focus("");
  draw(false);
});

/** The catalogue and the areas, then the base map; the first draw does not wait for them to ask. */
async function start() {
  const [services, areas] = await Promise.all([api.get("services.json"), api.get("areas.geojson")]);
  catalogue = { services, areas };
  const known = layers();
  if (!known.some(([code]) => code === state.layer)) state.layer = known.at(-1)[0]; // the most specific
  map.setAreas(catalogue.areas, state.layer);
}

const ready = start();
draw(false);
