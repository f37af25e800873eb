// Charts over time (uPlot): requests opened and closed per period, and the time they took to close.

import { formatNumber } from "./util.js";

/** Seconds since the epoch of a period's first day (YYYY-MM-DD), at midnight UTC (labels are shown in UTC). */
function epoch(day) {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

function dateAxis(lang, period) {
  const options = period === "month" ? { month: "short", year: "2-digit" } : { day: "numeric", month: "short" };
  const format = new Intl.DateTimeFormat(lang, { ...options, timeZone: "UTC" });
  return { values: (_u, splits) => splits.map((s) => format.format(new Date(s * 1000))) };
}

function numberAxis(lang) {
  return { values: (_u, splits) => splits.map((s) => formatNumber(s, lang)), size: 56 };
}

export class Charts {
  constructor(volumeContainer, closeContainer, t, lang) {
    this.volumeContainer = volumeContainer;
    this.closeContainer = closeContainer;
    this.t = t;
    this.lang = lang;
    this.plots = [];
    window.addEventListener("resize", () => this.resize());
  }

  width(container) {
    return Math.max(260, container.parentElement.clientWidth - 8);
  }

  resize() {
    for (const [plot, container] of this.plots) plot.setSize({ width: this.width(container), height: 220 });
  }

  /** Redraw both charts from the cells of statistics grouped by `period` (sorted by period). */
  draw(cells, period) {
    for (const [plot] of this.plots) plot.destroy();
    this.plots = [];
    const rows = [...cells].sort((a, b) => (a.period < b.period ? -1 : 1));
    const x = rows.map((c) => epoch(c.period));
    const base = (container) => ({
      width: this.width(container), height: 220, legend: { show: true },
      // Counts and hours start at zero (a bar chart from 200 would exaggerate the differences).
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      cursor: { drag: { x: false, y: false } },
    });
    const volume = new uPlot({
      ...base(this.volumeContainer),
      series: [
        { label: this.t.period },
        { label: this.t.opened, stroke: "#1f4e79", fill: "rgba(31,78,121,0.35)", paths: uPlot.paths.bars({ size: [0.7, 60] }) },
        { label: this.t.closed, stroke: "#2a9d8f", width: 2 },
      ],
      axes: [dateAxis(this.lang, period), numberAxis(this.lang)],
    }, [x, rows.map((c) => c.opened), rows.map((c) => c.closed)], this.volumeContainer);
    const close = new uPlot({
      ...base(this.closeContainer),
      series: [
        { label: this.t.period },
        { label: this.t.median, stroke: "#e76f51", width: 2, spanGaps: false },
        { label: this.t.p90, stroke: "#8d99ae", width: 2, dash: [6, 4], spanGaps: false },
      ],
      axes: [dateAxis(this.lang, period), numberAxis(this.lang)],
    }, [x, rows.map((c) => c.median_hours_to_close), rows.map((c) => c.p90_hours_to_close)], this.closeContainer);
    this.plots = [[volume, this.volumeContainer], [close, this.closeContainer]];
  }
}
