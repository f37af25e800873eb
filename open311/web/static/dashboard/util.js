// Small helpers of the dashboard: dates in the city's time zone, numbers, DOM and colour classes.

/** Minutes east of UTC of `timeZone` at the instant `date`. */
function offsetMinutes(date, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(date);
  const get = (type) => Number(parts.find((p) => p.type === type).value);
  const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((local - date.getTime()) / 60000);
}

/** A W3C datetime for the wall-clock `day` (YYYY-MM-DD) and `time` (hh:mm:ss) in `timeZone`. */
export function zonedDateTime(day, time, timeZone) {
  const [y, m, d] = day.split("-").map(Number);
  const [hh, mm, ss] = time.split(":").map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm, ss);
  let offset = offsetMinutes(new Date(wall), timeZone);
  offset = offsetMinutes(new Date(wall - offset * 60000), timeZone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n) => String(n).padStart(2, "0");
  return `${day}T${time}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function today(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
}

/** The date `days` before `day` (both YYYY-MM-DD). */
export function daysBefore(day, days) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10);
}

/** The first day of the month `months` months before the month of `day` (both YYYY-MM-DD): whole months,
 * which the statistics answer from their monthly rollups. */
export function monthsBefore(day, months) {
  const [y, m] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1 - months, 1)).toISOString().slice(0, 10);
}

/** The later of two days (YYYY-MM-DD). */
export function laterDay(a, b) {
  return a > b ? a : b;
}

/** Whole days from `start` to `end` (YYYY-MM-DD). */
export function daySpan(start, end) {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86400000);
}

const formats = new Map();

/** A number for people with `digits` decimals (default: none for integers, one otherwise); null as "–". */
export function formatNumber(value, lang, digits = Number.isInteger(value) ? 0 : 1) {
  if (value === null || value === undefined) return "–";
  const key = `${lang}:${digits}`;
  if (!formats.has(key)) { // a formatter is costly to build: the table formats thousands of numbers
    formats.set(key, new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  }
  return formats.get(key).format(value);
}

/** Measures that count requests (shown as integers); the others (hours, %, per km²) have one decimal. */
const COUNTS = new Set(["opened", "closed", "backlog", "overdue"]);

/** A measure's value for people. */
export function formatMeasure(measure, value, lang) {
  return formatNumber(value, lang, COUNTS.has(measure) ? 0 : 1);
}

/** An element with properties and children (text children become text nodes: never HTML). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const BLUES = ["#f7fbff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
export const HEAT = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
export const NO_VALUE = "#e0e0e0";

/** Up to `classes` ascending thresholds splitting `values` into groups of similar size (quantiles). */
export function breaks(values, classes = 6) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const result = [];
  for (let i = 1; i < classes; i += 1) {
    const value = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / classes))];
    if (!result.length || value > result[result.length - 1]) result.push(value);
  }
  return result.filter((v) => v > sorted[0]);
}

/** The class of `value` for thresholds `limits` (0 .. limits.length). */
export function classOf(value, limits) {
  let index = 0;
  while (index < limits.length && value >= limits[index]) index += 1;
  return index;
}

/** Spread `count` classes over a palette of six colours, keeping the darkest for the top class. */
export function colourOf(index, count, palette) {
  if (count <= 1) return palette[palette.length - 1];
  return palette[Math.round((index * (palette.length - 1)) / (count - 1))];
}
