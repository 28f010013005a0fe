// Line charts as standalone SVG, drawn by the benchmark itself (no external service): x is
// seconds into the scenario, one polyline per series, axes with a few round ticks.

export interface Series {
  name: string;
  color: string;
  /** One value per second. */
  values: number[];
}

const W = 720;
const H = 300;
const PAD = { left: 64, right: 16, top: 36, bottom: 40 };

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function lineChart(title: string, yLabel: string, series: Series[]): string {
  const length = Math.max(1, ...series.map((s) => s.values.length));
  const top = Math.max(1, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const yStep = niceStep(top, 5);
  const yMax = Math.ceil(top / yStep) * yStep;
  const xStep = niceStep(length, 8);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (plotW * i) / Math.max(1, length - 1);
  const y = (v: number) => PAD.top + plotH - (plotH * v) / yMax;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`,
  ];
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (let i = 0; i < length; i += xStep) parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${i}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 6}" text-anchor="middle">seconds</text>`);
  parts.push(`<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${esc(yLabel)}</text>`);
  parts.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  series.forEach((s, n) => {
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : '')).filter(Boolean).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${points}"/>`);
    parts.push(`<rect x="${PAD.left + 10 + n * 150}" y="${PAD.top + 4}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${PAD.left + 24 + n * 150}" y="${PAD.top + 13}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
