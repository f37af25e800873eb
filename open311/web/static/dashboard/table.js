// The sortable table area × category (one row per cell of statistics grouped by area and service).

import { el, formatMeasure } from "./util.js";

const COLUMNS = ["area_name", "service_name", "opened", "closed", "backlog", "overdue", "closed_on_time_pct",
  "median_hours_to_close", "p90_hours_to_close"];
const TEXT_COLUMNS = new Set(["area_name", "service_name"]);

export class CellTable {
  constructor(table, t, lang) {
    this.table = table;
    this.t = t;
    this.lang = lang;
    this.rows = [];
    this.sortKey = "opened";
    this.descending = true;
    const labels = { area_name: t.area, service_name: t.service };
    const head = el("tr", {}, COLUMNS.map((key) => el("th", {
      scope: "col", tabIndex: 0, dataset: { key },
    }, labels[key] || t[key])));
    table.tHead.replaceChildren(head);
    head.addEventListener("click", (event) => this.sortBy(event.target.closest("th")));
    head.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        this.sortBy(event.target.closest("th"));
      }
    });
  }

  sortBy(th) {
    if (!th) return;
    const key = th.dataset.key;
    this.descending = key === this.sortKey ? !this.descending : !TEXT_COLUMNS.has(key);
    this.sortKey = key;
    this.render();
  }

  /** Show `cells` (statistics cells with area and service keys). */
  show(cells) {
    this.rows = cells;
    this.render();
  }

  render() {
    const key = this.sortKey;
    const sign = this.descending ? -1 : 1;
    const collator = new Intl.Collator(this.lang, { numeric: true });
    const rows = [...this.rows].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1; // nulls last
      if (y === null || y === undefined) return -1;
      return sign * (TEXT_COLUMNS.has(key) ? collator.compare(x, y) : x - y);
    });
    for (const th of this.table.tHead.rows[0].cells) {
      if (th.dataset.key === key) th.setAttribute("aria-sort", this.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    const body = rows.map((row) => el("tr", {}, COLUMNS.map((column) => {
      const value = row[column];
      if (TEXT_COLUMNS.has(column)) return el("td", {}, value || "");
      const withheld = value === null && row.withheld;
      return el("td", { className: withheld ? "withheld" : "", title: withheld ? row.withheld : "" },
        withheld ? this.t.withheld : formatMeasure(column, value, this.lang));
    })));
    if (!body.length) body.push(el("tr", {}, el("td", { colSpan: COLUMNS.length }, this.t.no_data)));
    this.table.tBodies[0].replaceChildren(...body);
  }
}
