// The public API, as the dashboard uses it: every call names the jurisdiction and the page's language.

export class ApiError extends Error {
  constructor(url, status, descriptions) {
    super(`${status} ${descriptions.join("; ")}`);
    this.url = url;
    this.status = status;
  }
}

export class Api {
  constructor(base, jurisdictionId, lang) {
    this.base = base;
    this.jurisdictionId = jurisdictionId;
    this.lang = lang;
  }

  /** GET `path` (e.g. "statistics.json") with `params` (empty values left out); the parsed JSON. */
  async get(path, params = {}) {
    const url = new URL(`${this.base}/${path}`, window.location.origin);
    url.searchParams.set("jurisdiction_id", this.jurisdictionId);
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
    }
    const response = await fetch(url, { headers: { "Accept-Language": this.lang } });
    if (!response.ok) {
      let descriptions = [response.statusText];
      try {
        descriptions = (await response.json()).map((e) => e.description);
      } catch {
        // not the errors list: keep the status text
      }
      throw new ApiError(url.toString(), response.status, descriptions);
    }
    return response.json();
  }

  /** GET statistics.json grouped by `groupBy` (comma list; empty: one cell) with the filters. */
  statistics(groupBy, filters) {
    return this.get("statistics.json", { ...filters, group_by: groupBy });
  }
}
