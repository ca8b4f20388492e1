/** Small live line charts over uPlot (bundled, no network): a rolling window of points per series. */
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  stroke: string;
  scale?: string;
  /** Fixed [min, max] of the series' scale (e.g. 0-100 for a score); automatic when omitted. */
  range?: [number, number];
}

export class LiveChart {
  private readonly plot: uPlot;
  private readonly data: number[][];

  constructor(
    container: HTMLElement,
    series: SeriesSpec[],
    private readonly points = 120,
    height = 90,
  ) {
    this.data = [[], ...series.map(() => [])];
    const width = Math.max(200, container.clientWidth || 280);
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: true },
          ...Object.fromEntries(series.filter((s) => s.range).map((s) => [s.scale ?? 'y', { range: s.range as [number, number] }])),
        },
        axes: [{ show: false }, { stroke: '#8a96a3', grid: { stroke: '#2a3440', width: 1 }, size: 36 }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, ...(s.scale ? { scale: s.scale } : {}) }))],
      },
      this.data as uPlot.AlignedData,
      container,
    );
    container.append(legend(series));
  }

  /** Adds one point per series at `atMs`. */
  push(atMs: number, values: number[]): void {
    this.data[0]!.push(atMs / 1000);
    values.forEach((value, i) => this.data[i + 1]!.push(value));
    if (this.data[0]!.length > this.points) for (const column of this.data) column.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }

  destroy(): void {
    this.plot.destroy();
  }
}

function legend(series: SeriesSpec[]): HTMLElement {
  const box = document.createElement('div');
  box.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = s.stroke;
    item.append(swatch, s.label);
    box.append(item);
  }
  return box;
}
