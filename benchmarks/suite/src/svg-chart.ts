/** A small line chart as SVG, written by hand: no chart library. */
export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}

export function lineChart(options: { title: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const margin = { top: 48, right: 24, bottom: 56, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom - 24 * Math.ceil(options.series.length / 2);
  const all = options.series.flatMap((series) => series.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yStep = niceStep(Math.max(...all.map((p) => p.y)) * 1.1 || 1, 5);
  const yMax = Math.ceil((Math.max(...all.map((p) => p.y)) * 1.1) / yStep) * yStep || 1;
  const xStep = niceStep(xMax, 5);
  const sx = (x: number) => margin.left + (x / xMax) * plotW;
  const sy = (y: number) => margin.top + plotH - (y / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(options.title)}</text>`);
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${sy(y) + 4}" text-anchor="end">${Number(y.toPrecision(6))}</text>`);
  }
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    parts.push(`<line x1="${sx(x)}" x2="${sx(x)}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(x)}" y="${margin.top + plotH + 18}" text-anchor="middle">${x.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(0)}" y2="${sy(0)}" stroke="#333"/>`);
  parts.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${margin.top + plotH + 38}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  for (const series of options.series) {
    const path = series.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    for (const p of series.points) {
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3.5" fill="${series.color}"><title>${escape(`${series.label}: ${p.y.toFixed(2)} ms at ${p.x}`)}</title></circle>`);
    }
  }
  options.series.forEach((series, i) => {
    const x = margin.left + (i % 2) * (plotW / 2);
    const y = margin.top + plotH + 56 + Math.floor(i / 2) * 20;
    parts.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${x + 30}" y="${y}">${escape(series.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
