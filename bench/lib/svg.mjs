// Two small SVG charts for BENCHMARKS.md, written by hand so the report needs no plotting
// dependency: horizontal bars (one value per row, with a min-max whisker) and grouped bars.

const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04'];
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" axis maximum at or above `x`. */
function niceMax(x) {
  const p = 10 ** Math.floor(Math.log10(x || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

export const fmt = (x) =>
  x >= 10_000
    ? `${(x / 1_000).toFixed(0)}k`
    : x >= 1_000
      ? `${(x / 1_000).toFixed(1)}k`
      : `${Math.round(x)}`;

function axis(x0, y0, w, max, ticks = 5) {
  let out = '';
  for (let t = 0; t <= ticks; t++) {
    const v = (max * t) / ticks;
    const x = x0 + (w * t) / ticks;
    out += `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + 4}" stroke="#888"/>`;
    out += `<text x="${x}" y="${y0 + 16}" text-anchor="middle" font-size="11" fill="#444">${fmt(v)}</text>`;
  }
  return out;
}

/**
 * Horizontal bars: rows `[{ label, value, min?, max?, color? }]`, one bar each, biggest scale
 * first as given.
 */
export function barChart({ title, unit, rows }) {
  const labelW = 280;
  const barW = 460;
  const rowH = 22;
  const top = 40;
  const h = top + rows.length * rowH + 40;
  const max = niceMax(Math.max(...rows.map((r) => r.max ?? r.value)));
  let body = '';
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const w = (barW * r.value) / max;
    body += `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" font-size="12" fill="#222">${esc(r.label)}</text>`;
    body += `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${r.color ?? PALETTE[0]}"/>`;
    if (r.min !== undefined && r.max !== undefined) {
      const a = labelW + (barW * r.min) / max;
      const b = labelW + (barW * r.max) / max;
      const m = y + rowH / 2;
      body += `<line x1="${a.toFixed(1)}" y1="${m}" x2="${b.toFixed(1)}" y2="${m}" stroke="#111"/>`;
    }
    body += `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" font-size="11" fill="#222">${fmt(r.value)}</text>`;
  });
  const y0 = top + rows.length * rowH + 4;
  return svg(
    labelW + barW + 80,
    h,
    title,
    `${body}${axis(labelW, y0, barW, max)}
<text x="${labelW + barW / 2}" y="${y0 + 32}" text-anchor="middle" font-size="11" fill="#444">${esc(unit)}</text>`,
  );
}

/**
 * Grouped vertical bars: `groups` along x (e.g. concurrency 1, 10, 50), one bar per series in
 * each group; `series: [{ label, values: [number|undefined per group] }]`.
 */
export function groupedChart({ title, unit, groups, series }) {
  const left = 60;
  const plotW = Math.max(480, groups.length * (series.length * 16 + 40));
  const plotH = 260;
  const top = 40;
  const legendH = 18 * Math.ceil(series.length / 2);
  const max = niceMax(Math.max(...series.flatMap((s) => s.values.filter((v) => v !== undefined))));
  const gw = plotW / groups.length;
  const bw = Math.min(22, (gw - 20) / series.length);
  let body = '';
  for (let t = 0; t <= 5; t++) {
    const y = top + plotH - (plotH * t) / 5;
    body += `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e5e5e5"/>`;
    body += `<text x="${left - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#444">${fmt((max * t) / 5)}</text>`;
  }
  groups.forEach((g, gi) => {
    const gx = left + gi * gw + (gw - bw * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === undefined) return;
      const h = (plotH * v) / max;
      body += `<rect x="${(gx + si * bw).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(s.label)}: ${fmt(v)}</title></rect>`;
    });
    body += `<text x="${left + gi * gw + gw / 2}" y="${top + plotH + 16}" text-anchor="middle" font-size="12" fill="#222">${esc(g)}</text>`;
  });
  const ly = top + plotH + 34;
  series.forEach((s, si) => {
    const x = left + (si % 2) * (plotW / 2);
    const y = ly + Math.floor(si / 2) * 18;
    body += `<rect x="${x}" y="${y}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`;
    body += `<text x="${x + 18}" y="${y + 10}" font-size="12" fill="#222">${esc(s.label)}</text>`;
  });
  body += `<text x="14" y="${top + plotH / 2}" font-size="11" fill="#444" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${esc(unit)}</text>`;
  return svg(left + plotW + 20, ly + legendH + 10, title, body);
}

function svg(w, h, title, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="12" y="22" font-size="14" font-weight="600" fill="#111">${esc(title)}</text>
${body}
</svg>
`;
}
