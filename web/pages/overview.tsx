// Overview: accepted, delivered, deferred and bounced per hour over the last 24 h (GET /v1/overview),
// drawn with uPlot, and the totals.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api } from '../api';

interface Bucket { at: string; accepted: number; delivered: number; deferred: number; bounced: number }
interface Overview { from: string; to: string; buckets: Bucket[] }

const SERIES: Array<[keyof Omit<Bucket, 'at'>, string]> = [
  ['accepted', '#4c78a8'],
  ['delivered', '#54a24b'],
  ['deferred', '#f2a33a'],
  ['bounced', '#e45756'],
];

export function Overview() {
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState('');
  const chart = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const load = () => api<Overview>('GET', '/v1/overview?hours=24').then(setData, (e: Error) => setError(e.message));
    load();
    const timer = setInterval(load, 30_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    if (!data || !chart.current) return;
    const xs = data.buckets.map((b) => Date.parse(b.at) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(320, chart.current.clientWidth), height: 280,
        scales: { x: { time: true } },
        axes: [{}, { label: 'events per hour' }],
        series: [{}, ...SERIES.map(([key, color]) => ({ label: key, stroke: color, width: 2, points: { show: true } }))],
      },
      [xs, ...SERIES.map(([key]) => data.buckets.map((b) => b[key]))],
      chart.current,
    );
    return () => plot.destroy();
  }, [data]);

  const total = (key: keyof Omit<Bucket, 'at'>) => (data ? data.buckets.reduce((n, b) => n + b[key], 0) : 0);
  return (
    <section>
      <h2>Overview: last 24 hours</h2>
      {error && <p class="error">{error}</p>}
      <div class="totals">
        {SERIES.map(([key, color]) => (
          <div class="card total" style={{ borderTopColor: color }}>
            <span class="muted">{key}</span>
            <strong data-total={key}>{total(key)}</strong>
          </div>
        ))}
      </div>
      <div class="card" ref={chart} />
    </section>
  );
}
