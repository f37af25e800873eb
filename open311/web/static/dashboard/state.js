// The view's state lives in the URL's query string, so that a link gives the same view.

import { daySpan, monthsBefore, today, zonedDateTime } from "./util.js";

/** Keys of the state, as they appear in the URL. */
const KEYS = ["start", "end", "group", "service_code", "layer", "area", "agency_responsible", "measure", "view",
  "corners", "lang", "jurisdiction_id"];

/** The default period: the current month and the 11 before it, whole (rollups answer whole months). */
export const DEFAULT_MONTHS = 11;

/** The state of the current URL, with defaults for what it leaves out. */
export function readState(config) {
  const params = new URLSearchParams(window.location.search);
  const state = {};
  for (const key of KEYS) state[key] = params.get(key) || "";
  const isDay = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text);
  if (!isDay(state.end)) state.end = today(config.time_zone);
  if (!isDay(state.start) || state.start > state.end) state.start = monthsBefore(state.end, DEFAULT_MONTHS);
  state.measure = state.measure || "opened";
  state.view = state.view === "areas" ? "areas" : "hexagons";
  state.corners = state.corners === "off" ? "off" : "on";
  return state;
}

/** Put `state` in the URL (a new history entry when `push`), leaving out the defaults. */
export function writeState(state, push) {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = state[key];
    const isDefault = (key === "measure" && value === "opened") || (key === "view" && value === "hexagons")
      || (key === "corners" && value === "on");
    if (value && !isDefault) params.set(key, value);
  }
  const url = `${window.location.pathname}?${params}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

/** The API filters of the state (what every statistics and hotspots call carries). */
export function apiFilters(state, timeZone) {
  return {
    start_date: zonedDateTime(state.start, "00:00:00", timeZone),
    end_date: zonedDateTime(state.end, "23:59:59", timeZone),
    service_code: state.service_code,
    group: state.service_code ? "" : state.group,
    area: state.area,
    agency_responsible: state.agency_responsible,
  };
}

/** The period of the charts: days for a month or less, weeks up to half a year, months beyond. */
export function chartPeriod(state) {
  const days = daySpan(state.start, state.end);
  if (days <= 31) return "day";
  if (days <= 183) return "week";
  return "month";
}
