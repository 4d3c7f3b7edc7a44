/**
 * Hand-made SVG charts: three small charts do not justify a charting library in the bundle,
 * and SVG attributes (not inline styles) keep them within the strict CSP.
 *
 * Each chart's text alternative is a table (visually hidden): a screen reader can go row by row and
 * hear each date or category with its number, which one long aria-label on the picture did not allow
 * (14 days read out as one sentence of ISO dates). The picture itself is hidden from it.
 */
import { formatDate, parseIsoDate } from '@/lib/format';

function ChartTable({ title, heading, rows }: { title: string; heading: [string, string]; rows: { key: string; label: string; value: number }[] }) {
  return (
    <table className="visually-hidden">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{heading[0]}</th>
          <th scope="col">{heading[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            <td>{row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface BarDatum {
  key: string;
  label: string;
  value: number;
}

const ROW = 36;
const LABEL_WIDTH = 96;
const WIDTH = 360;

/** Horizontal bars, one per category, each labelled with its value. */
export function BarChart({ title, data }: { title: string; data: BarDatum[] }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const barSpace = WIDTH - LABEL_WIDTH - 40;
  return (
    <>
      <ChartTable title={title} heading={['Category', 'Tasks']} rows={data} />
      <svg className="chart" viewBox={`0 0 ${WIDTH} ${data.length * ROW}`} aria-hidden="true">
        {data.map((d, index) => {
          const y = index * ROW;
          const width = d.value === 0 ? 0 : Math.max(4, (d.value / max) * barSpace);
          return (
            <g key={d.key} data-testid={`bar-${d.key}`} data-value={d.value}>
              <text className="chart__label" x={0} y={y + ROW / 2} dominantBaseline="middle">
                {d.label}
              </text>
              <rect className="chart__track" x={LABEL_WIDTH} y={y + 8} width={barSpace} height={ROW - 16} rx={5} />
              <rect className={`chart__bar chart__bar--${d.key}`} x={LABEL_WIDTH} y={y + 8} width={width} height={ROW - 16} rx={5} />
              <text className="chart__value" x={LABEL_WIDTH + barSpace + 8} y={y + ROW / 2} dominantBaseline="middle">
                {d.value}
              </text>
            </g>
          );
        })}
      </svg>
    </>
  );
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** Columns per day (oldest first), every other day labelled. */
export function DayColumnChart({ title, data }: { title: string; data: { date: string; count: number }[] }) {
  const width = 760;
  const height = 220;
  const top = 20;
  const bottom = 28;
  const max = Math.max(1, ...data.map((d) => d.count));
  const slot = width / Math.max(1, data.length);
  const plot = height - top - bottom;
  const total = data.reduce((sum, d) => sum + d.count, 0);
  return (
    <>
      <ChartTable title={`${title}: ${total} in ${data.length} days`} heading={['Day', 'Completed']} rows={data.map((d) => ({ key: d.date, label: formatDate(d.date), value: d.count }))} />
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
        <line className="chart__axis" x1={0} x2={width} y1={top + plot} y2={top + plot} />
        {data.map((d, index) => {
          const barHeight = d.count === 0 ? 0 : Math.max(3, (d.count / max) * plot);
          const x = index * slot + slot * 0.18;
          const barWidth = slot * 0.64;
          return (
            <g key={d.date} data-testid={`day-${d.date}`} data-value={d.count}>
              <rect className="chart__bar chart__bar--done" x={x} y={top + plot - barHeight} width={barWidth} height={barHeight} rx={4} />
              {d.count > 0 ? (
                <text className="chart__value" x={x + barWidth / 2} y={top + plot - barHeight - 6} textAnchor="middle">
                  {d.count}
                </text>
              ) : null}
              {index % 2 === data.length % 2 ? null : (
                <text className="chart__label chart__label--small" x={x + barWidth / 2} y={height - 8} textAnchor="middle">
                  {dayFormat.format(parseIsoDate(d.date))}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </>
  );
}
