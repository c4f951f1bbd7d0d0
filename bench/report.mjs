// The report of a benchmark run: each peer's ratio to cachebus, the printed table, the verdicts
// on the issue's targets, and the SVG bar chart of ratios (plain string building, no library).

/**
 * The rows grouped by metric (in order of first appearance, cachebus first), each peer with its
 * `ratio`: peer value / cachebus value of the same metric (> 1: cachebus is better).
 */
export function withRatios(rows) {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  return metrics.flatMap((metric) => {
    const group = rows.filter((r) => r.metric === metric);
    const reference = group.find((r) => r.subject === "cachebus");
    return [...(reference ? [reference] : []), ...group.filter((r) => r !== reference)]
      .map((row) => (reference && row !== reference ? { ...row, ratio: row.value / reference.value } : row));
  });
}

const format = (value) => (Math.abs(value) >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3));
export const formatRatio = (ratio) =>
  ratio === undefined ? "" : `${ratio >= 10 ? ratio.toFixed(0) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;

/** The table as text lines: metric, subject, median, unit, ratio peer/cachebus, note. */
export function table(rows) {
  const cells = rows.map((r) => [r.metric, r.subject, format(r.value), r.unit, formatRatio(r.ratio), r.note ?? ""]);
  const header = ["workload / metric", "subject", "median", "unit", "peer/cachebus", "note"];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row) => row.map((cell, c) => (c === 2 || c === 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)];
}

const find = (rows, metric, subject) => rows.find((r) => r.metric === metric && r.subject === subject);

/** The issue's targets (issue 13): each returns `{ met, measured }` from the rows, or undefined when unmeasured. */
const targets = [
  ["memory get hit ≥ 3× faster than TanStack getQueryData", (rows) => ratioAtLeast(rows, "memory: get hit", "TanStack", 3)],
  ["memory get hit, one per tick, ≥ 3× faster than TanStack (net of the boundary)", (rows) => ratioAtLeast(rows, "memory: get hit, one per tick, net", "TanStack", 3)],
  ["memory set with TTL and tags ≥ 1.5× faster than setQueryData", (rows) => ratioAtLeast(rows, "memory: set (ttl+tags)", "TanStack", 1.5)],
  ["memory set, one per tick, ≥ 1.5× faster than setQueryData (net of the boundary)", (rows) => ratioAtLeast(rows, "memory: set, one per tick, net", "TanStack", 1.5)],
  ["a memory budget makes set at most 1.2× slower", (rows) => {
    const budget = find(rows, "memory: set (ttl+tags)", "cachebus (memoryBytes budget)");
    return budget && { met: budget.ratio <= 1.2, measured: `${formatRatio(budget.ratio)} (${format(budget.value)} µs with, ${format(find(rows, "memory: set (ttl+tags)", "cachebus").value)} µs without)` };
  }],
  ["an awaited idb set + flush() no slower than idb-keyval's set", (rows) => ratioAtLeast(rows, "idb: set (ttl+tags)", "idb-keyval", 1)],
  ["a local hit after hydration as fast as a memory hit (within 10 %)", (rows) => {
    const local = find(rows, "start-up: get hit after hydration", "cachebus");
    const memory = find(rows, "start-up: get hit after hydration", "cachebus (memory entry)");
    return local && memory && { met: local.value <= memory.value * 1.1, measured: `${format(local.value)} µs local vs ${format(memory.value)} µs memory` };
  }],
  ["idb batched writes < 100 µs/entry amortized", (rows) => {
    const r = find(rows, "idb: 10,000 writes in one tick", "cachebus");
    return r && { met: r.value < 100, measured: `${format(r.value)} µs/entry` };
  }],
  ["prefix invalidation in IndexedDB ≥ 10× faster than idb-keyval keys() + delMany", (rows) => ratioAtLeast(rows, "idb: invalidate prefix", "idb-keyval", 10)],
  ["dedup: exactly one call, < 1 ms overhead for 1,000 callers", (rows) => {
    const r = find(rows, "dedup: 1,000 callers, 1 key", "cachebus");
    return r && { met: r.value < 1, measured: `1 call (checked), ${format(r.value)} ms` };
  }],
  ["cross-tab: median < 20 ms, worst < 50 ms", (rows) => {
    const median = find(rows, "cross-tab: median of 100", "cachebus");
    const worst = find(rows, "cross-tab: worst of 100", "cachebus");
    return median && worst && { met: median.value < 20 && worst.value < 50, measured: `median ${format(median.value)} ms, worst ${format(worst.value)} ms` };
  }],
  ["start-up (createCache to first get) ≤ 10 ms cold", (rows) => {
    const r = find(rows, "start-up: createCache → first get", "cachebus");
    return r && { met: r.value <= 10, measured: `${format(r.value)} ms` };
  }],
  ["start-up ≤ 3 ms on a second page load", (rows) => {
    const r = find(rows, "start-up: createCache → first get, second page load", "cachebus");
    return r && { met: r.value <= 3, measured: `${format(r.value)} ms` };
  }],
  ["tabs sharing fetches: one request for a focus, whatever the number of tabs (issue 15)", (rows) => {
    const counts = rows.filter((r) => r.metric.startsWith("tabs: requests for one focus") && r.subject === "cachebus (coordinateTabs)");
    return counts.length > 0 && { met: counts.every((r) => r.value === 1), measured: counts.map((r) => `${r.metric.split(", ")[1]}: ${r.value}`).join(", ") };
  }],
  ["a new tab's first fetch of a key a live tab holds: ≤ 5 ms after createCache, 0 requests (issue 15)", (rows) => {
    const requests = find(rows, "tabs: requests of that new tab's first fetch", "cachebus (coordinateTabs)");
    const after = find(rows, "tabs: that first fetch, after createCache resolved", "cachebus (coordinateTabs)");
    return requests && after && { met: requests.value === 0 && after.value <= 5, measured: `${requests.value} requests, ${format(after.value)} ms after createCache resolved` };
  }],
  ["one push costs one request whatever the number of tabs; failover ≤ 1 s (issue 15)", (rows) => {
    const counts = rows.filter((r) => r.metric.startsWith("push: requests for one push") && r.subject === "cachebus (coordinateTabs)");
    const failover = find(rows, "push: failover, holding tab closed → another tab connected", "cachebus (coordinateTabs)");
    return counts.length > 0 && failover && {
      met: counts.every((r) => r.value === 1) && failover.value <= 1_000,
      measured: `${counts.map((r) => `${r.metric.split(", ")[1]}: ${r.value}`).join(", ")}; failover ${format(failover.value)} ms`,
    };
  }],
  ["total shipped size ≤ 30 KB gzipped", (rows) => {
    const r = find(rows, "size: gzip", "cachebus");
    return r && { met: r.value <= 30_000, measured: `${format(r.value)} B gzipped` };
  }],
];

/** A target met when `peer`'s value on `metric` is at least `times` cachebus's. */
function ratioAtLeast(rows, metric, peer, times) {
  const r = find(rows, metric, peer);
  return r && { met: r.ratio >= times, measured: `${formatRatio(r.ratio)} (${format(find(rows, metric, "cachebus").value)} vs ${format(r.value)} µs)` };
}

/** `[{ target, met, measured }]`; a target whose workload failed is "not measured". */
export const verdicts = (rows) => targets.map(([target, judge]) => ({ target, ...(judge(rows) ?? { met: false, measured: "not measured" }) }));

/**
 * The results as Markdown for docs/benchmarks.md: the machine, the chart, the table of medians
 * with ratios, and the verdict on each target.
 */
export function markdown(rows, judged, machine, seconds) {
  const cell = (text) => String(text).replace(/\|/g, "\\|");
  const load = (l) => l.map((n) => n.toFixed(1)).join(" / ");
  return [
    `One full run, ${seconds.toFixed(0)} s, ${new Date().toISOString().slice(0, 10)}: ${machine.cpus} × ${machine.model}, ` +
      `Chromium ${machine.chromium}, Node ${machine.node}; load average (1 / 5 / 15 min) ${load(machine.loadAverage.start)} ` +
      `at the start, ${load(machine.loadAverage.end)} at the end.`,
    "",
    "peer/cachebus is the peer's median divided by cachebus's: above 1, cachebus is faster (or smaller) by that factor; below 1, the peer is.",
    "",
    "![peer/cachebus ratios per metric, log scale](benchmarks.svg)",
    "",
    "| metric | subject | median | unit | peer/cachebus | note |",
    "|---|---|--:|---|--:|---|",
    ...rows.map((r) => `| ${[r.metric, r.subject, format(r.value), r.unit, formatRatio(r.ratio), r.note ?? ""].map(cell).join(" | ")} |`),
    "",
    "| target | verdict | measured |",
    "|---|---|---|",
    ...judged.map(({ target, met, measured }) => `| ${cell(target)} | ${met ? "met" : "**missed**"} | ${cell(measured)} |`),
  ].join("\n");
}

const escape = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A horizontal bar per peer row: log scale around 1× (right, green: cachebus better). A ratio of
 * two net times can be 0 or negative (a subject within the noise of the boundary taken off): no bar.
 */
export function svg(rows, title) {
  const bars = rows.filter((r) => r.ratio > 0 && Number.isFinite(r.ratio));
  const [labelWidth, plotWidth, barHeight, top] = [430, 440, 16, 50];
  const [min, max] = [-2, 3]; // 0.01× … 1000×
  const x = (ratio) => labelWidth + ((Math.min(max, Math.max(min, Math.log10(ratio))) - min) / (max - min)) * plotWidth;
  const height = top + bars.length * barHeight + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 70}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="36" fill="#555">peer / cachebus per metric, log scale; right of 1× (green): cachebus faster or smaller</text>`,
  ];
  for (const tick of [0.01, 0.1, 1, 10, 100, 1000]) {
    parts.push(`<line x1="${x(tick)}" y1="${top - 4}" x2="${x(tick)}" y2="${height - 24}" stroke="${tick === 1 ? "#000" : "#ddd"}"/>`,
      `<text x="${x(tick)}" y="${height - 10}" text-anchor="middle">${tick}×</text>`);
  }
  bars.forEach((r, i) => {
    const y = top + i * barHeight;
    const [from, to] = [x(Math.min(1, r.ratio)), x(Math.max(1, r.ratio))];
    parts.push(`<text x="${labelWidth - 6}" y="${y + 11}" text-anchor="end">${escape(`${r.metric} · ${r.subject}`)}</text>`,
      `<rect x="${from}" y="${y + 2}" width="${Math.max(1, to - from)}" height="${barHeight - 4}" fill="${r.ratio >= 1 ? "#2e7d32" : "#c62828"}"/>`,
      `<text x="${to + 4}" y="${y + 11}">${formatRatio(r.ratio)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
