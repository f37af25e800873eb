// The map: the city's areas as base map (choropleth of a measure), hexagons of requests, hot corners.
// Leaflet (SVG for the areas and corners, canvas for the hexagons, which may be thousands).

import { BLUES, HEAT, NO_VALUE, breaks, classOf, colourOf, el, formatMeasure, formatNumber } from "./util.js";

const OUTLINE = { color: "#33414f", weight: 1, opacity: 0.9 };

function topCategories(t, tops) {
  if (!tops || !tops.length) return null;
  return el("div", { className: "tops" },
    `${t.top_categories}: `, tops.map((c) => `${c.service_name} (${c.count})`).join(", "));
}

export class DashboardMap {
  /** A map in `container`; `onArea(code)` is called when an area is clicked, `onView()` after a move. */
  constructor(container, config, t, { onArea, onView }) {
    this.t = t;
    this.lang = config.lang;
    this.map = L.map(container, { attributionControl: false, zoomSnap: 1, minZoom: 3 });
    // No prefix: Leaflet's default one carries an inline-styled SVG, which a strict CSP refuses.
    L.control.attribution({ prefix: false }).addTo(this.map);
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.tile_attribution || "" }).addTo(this.map);
    }
    for (const [name, zIndex] of [["areas", 400], ["hexagons", 420], ["corners", 440]]) {
      this.map.createPane(name).classList.add(`o311-pane-${name}`);
      this.map.getPane(name).style.zIndex = String(zIndex);
    }
    this.hexagonRenderer = L.canvas({ pane: "hexagons", padding: 0.2 });
    this.areaLayer = null;
    this.hexagonLayer = L.layerGroup().addTo(this.map);
    this.cornerLayer = L.layerGroup().addTo(this.map);
    this.onArea = onArea;
    this.map.on("moveend", () => onView && onView());
    this.areaCodes = [];
  }

  /** Draw the areas of `layer` from the areas.geojson collection and fit the map to them. */
  setAreas(collection, layer) {
    if (this.areaLayer) this.areaLayer.remove();
    const features = collection.features.filter((f) => f.properties.layer === layer);
    this.areaCodes = features.map((f) => f.properties.code);
    this.values = {};
    this.areaLayer = L.geoJSON({ type: "FeatureCollection", features }, {
      pane: "areas",
      style: () => ({ ...OUTLINE, className: "o311-area", fillColor: NO_VALUE, fillOpacity: 0.6 }),
      onEachFeature: (feature, path) => {
        path.on("click", () => this.onArea(feature.properties.code));
        path.bindTooltip(() => this.areaTooltip(feature.properties), { sticky: true, className: "o311-tooltip" });
        path.on("add", () => { path.getElement().dataset.area = feature.properties.code; });
      },
    }).addTo(this.map);
    this.bounds = this.areaLayer.getBounds();
    this.map.fitBounds(this.bounds, { animate: false });
  }

  areaTooltip(properties) {
    const value = this.values[properties.code];
    const shown = value === undefined ? null : value;
    return el("div", {}, el("strong", {}, properties.name),
      el("div", {}, `${this.t[this.measure] || ""}: ${shown === null ? this.t.withheld : formatMeasure(this.measure, shown, this.lang)}`));
  }

  /** Colour the areas by `values` (area code -> number or null) of `measure`; plain outlines in hexagon view. */
  paintAreas(values, measure, choropleth) {
    this.values = values;
    this.measure = measure;
    const limits = breaks(Object.values(values));
    this.areaLayer.eachLayer((path) => {
      const value = values[path.feature.properties.code];
      const fill = value === null || value === undefined ? NO_VALUE
        : colourOf(classOf(value, limits), limits.length + 1, BLUES);
      path.setStyle(choropleth ? { fillColor: fill, fillOpacity: 0.75 } : { fillColor: "#ffffff", fillOpacity: 0.35 });
    });
    return limits;
  }

  /** Draw the hexagons of a hotspots.geojson collection (coloured by count), or none when hidden. */
  setHexagons(collection, visible) {
    this.hexagonLayer.clearLayers();
    this.hexagonCount = 0;
    if (!visible) return [];
    const limits = breaks(collection.features.map((f) => f.properties.count));
    this.hexagonLayer.addLayer(L.geoJSON(collection, {
      pane: "hexagons",
      renderer: this.hexagonRenderer,
      style: (f) => ({
        stroke: false, fillOpacity: 0.75,
        fillColor: colourOf(classOf(f.properties.count, limits), limits.length + 1, HEAT),
      }),
      onEachFeature: (feature, path) => path.bindTooltip(() => el("div", {},
        el("strong", {}, `${formatNumber(feature.properties.count, this.lang)} ${this.t.requests_unit}`),
        topCategories(this.t, feature.properties.top_categories)), { sticky: true, className: "o311-tooltip" }),
    }));
    this.hexagonCount = collection.features.length;
    return limits;
  }

  /** Circle the first `count` hot corners (clusters=true features, largest first) at their radius, with
   * their rank as in the list beside the map; a click tells their size and top categories. */
  setCorners(collection, visible, count) {
    this.cornerLayer.clearLayers();
    if (!visible) return;
    collection.features.slice(0, count).forEach((feature, index) => {
      const [lon, lat] = feature.geometry.coordinates;
      const circle = L.circle([lat, lon], {
        pane: "corners", radius: Math.max(feature.properties.radius_m, 15), color: "#6a1b9a", weight: 2,
        fillOpacity: 0.15, className: "o311-corner",
      });
      circle.bindTooltip(String(index + 1), { permanent: true, direction: "center", className: "o311-rank" });
      circle.bindPopup(() => el("div", {},
        el("strong", {}, `#${index + 1} · ${formatNumber(feature.properties.count, this.lang)} ${this.t.requests_unit}`),
        topCategories(this.t, feature.properties.top_categories)));
      this.cornerLayer.addLayer(circle);
    });
  }

  /** Zoom to a hot corner. */
  showCorner(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    this.map.setView([lat, lon], Math.max(this.map.getZoom(), 16));
  }

  /** Zoom to an area (or back to the whole city when `code` is empty). */
  focus(code) {
    let bounds = this.bounds;
    if (code && this.areaLayer) {
      this.areaLayer.eachLayer((path) => {
        if (path.feature.properties.code === code) bounds = path.getBounds();
      });
    }
    if (bounds) this.map.fitBounds(bounds, { animate: false });
  }

  /** The map's zoom and its bounds as a bbox parameter (min_long,min_lat,max_long,max_lat). */
  view() {
    const b = this.map.getBounds().pad(0.2);
    const clamp = (v, limit) => Math.max(-limit, Math.min(limit, v)).toFixed(5);
    return {
      zoom: Math.round(this.map.getZoom()),
      bbox: [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(","),
    };
  }
}
