// A small uPlot curve of an identity's warm-up ramp (the cap of day 1, 2, ... until the target) with
// today's day marked; past the end of the curve the mark sits on its last day.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function WarmupChart({ curve, day }: { curve: number[]; day: number | null }) {
  const box = useRef<HTMLDivElement>(null);
  const today = day === null ? -1 : Math.min(day, curve.length) - 1;

  useEffect(() => {
    if (!box.current || curve.length === 0) return;
    const xs = curve.map((_, i) => i + 1);
    const marked = curve.map((cap, i) => (i === today ? cap : null));
    const plot = new uPlot(
      {
        width: 150, height: 48, padding: [6, 6, 6, 6],
        legend: { show: false }, cursor: { show: false },
        scales: { x: { time: false }, y: { range: [0, Math.max(...curve)] } },
        axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: '#4c78a8', width: 1.5, points: { show: false } }, { stroke: '#e45756', width: 0, points: { show: true, size: 8, fill: '#e45756' } }],
      },
      [xs, curve, marked],
      box.current,
    );
    return () => plot.destroy();
  }, [curve.join(','), today]);

  if (curve.length === 0) return null;
  const title = `warm-up day ${day ?? '?'}: cap ${curve[Math.max(0, today)]} of ${curve[curve.length - 1]}`;
  return <div class="spark" ref={box} title={title} data-testid="warmup-chart" />;
}
