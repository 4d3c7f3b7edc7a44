/**
 * Hand-made SVG charts: three small charts do not justify a charting library in the bundle,
 * and SVG attributes (not inline styles) keep them within the strict CSP.
 *
 * Each chart's text alternative is a table (visually hidden): a screen reader can go row by row and
 * hear each date or category with its number, which one long aria-label on the picture did not allow
 * (14 days read out as one sentence of ISO dates). The picture itself is hidden from it.
 */
import { type RefObject, useLayoutEffect, useRef, useState } from 'react';
import { formatDate, parseIsoDate } from '@/lib/format';

/**
 * In a visually hidden <div>, not hidden itself: a table is never narrower than its content (its 1 px width is
 * ignored), and 14 rows of dates made the page scroll sideways at 320 px; the <div> clips it.
 */
function ChartTable({ title, heading, rows }: { title: string; heading: [string, string]; rows: { key: string; label: string; value: number }[] }) {
  return (
    <div className="visually-hidden">
      <table>
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
    </div>
  );
}

export interface BarDatum {
  key: string;
  label: string;
  value: number;
}

/**
 * The element's width in CSS px, and as it changes. The charts' viewBoxes follow it, one unit a pixel: a fixed
 * viewBox scaled down to a phone drew the day labels about 5 px tall. `fallback` until it is known (and where nothing
 * is laid out, as in unit tests).
 */
function useWidth(fallback: number): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const node = ref.current;
    if (!node) return undefined;
    const measure = () => {
      const measured = Math.round(node.getBoundingClientRect().width);
      if (measured > 0) setWidth(measured);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

const ROW = 36;
/**
 * The label column and the value's, in ems of the labels' text (the body's size): "In progress" and "9999" fit, with
 * room to spare for WCAG 1.4.12's text spacing (letters 0.12em apart, words 0.16em) that a user's style sheet may set:
 * 7 em left "In progress" running into its bar then.
 */
const LABEL_EMS = 8.5;
const VALUE_EMS = 3;

/** The root font size in CSS px (the body text's, and the bar charts' labels'): 16 unless the user chose another. */
function rootFontSize(): number {
  const size = Number.parseFloat(getComputedStyle(document.documentElement).fontSize);
  return Number.isFinite(size) && size > 0 ? size : 16;
}

/**
 * Horizontal bars, one per category, each labelled with its value. Drawn at the width it has, one unit a pixel (as
 * the day chart): a fixed 360-unit viewBox scaled the labels with the card, down to about 11 px on a 375 px phone
 * (and up to about 30 px in the one-column grid of a tablet). The labels are body text size (styles.css), whatever the width.
 */
export function BarChart({ title, data }: { title: string; data: BarDatum[] }) {
  const [box, width] = useWidth(360);
  const rem = rootFontSize();
  const labelWidth = LABEL_EMS * rem;
  const max = Math.max(1, ...data.map((d) => d.value));
  const barSpace = Math.max(0, width - labelWidth - VALUE_EMS * rem);
  return (
    <>
      <ChartTable title={title} heading={['Category', 'Tasks']} rows={data} />
      <div ref={box}>
        <svg className="chart chart--bars" viewBox={`0 0 ${width} ${data.length * ROW}`} aria-hidden="true">
          {data.map((d, index) => {
            const y = index * ROW;
            const barWidth = d.value === 0 ? 0 : Math.max(4, (d.value / max) * barSpace);
            return (
              <g key={d.key} data-testid={`bar-${d.key}`} data-value={d.value}>
                <text className="chart__label" x={0} y={y + ROW / 2} dominantBaseline="middle">
                  {d.label}
                </text>
                <rect className="chart__track" x={labelWidth} y={y + 8} width={barSpace} height={ROW - 16} rx={5} />
                <rect className={`chart__bar chart__bar--${d.key}`} x={labelWidth} y={y + 8} width={barWidth} height={ROW - 16} rx={5} />
                <text className="chart__value" x={labelWidth + barSpace + rem / 2} y={y + ROW / 2} dominantBaseline="middle">
                  {d.value}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
    </>
  );
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** Room a day's label ("Dec 12", "12 Dec") needs, in CSS px at the label's 13 px. */
const LABEL_SPACING = 56;

/** Every `step`-th day is labelled (the latest always), so that labels `LABEL_SPACING` apart fit in `width`. */
function dayLabelStep(width: number, days: number): number {
  return Math.max(1, Math.ceil(LABEL_SPACING / (width / Math.max(1, days))));
}

/** Columns per day (oldest first), as many days labelled as there is room for; a sentence when there is nothing. */
export function DayColumnChart({ title, data }: { title: string; data: { date: string; count: number }[] }) {
  const [box, width] = useWidth(760);
  const height = 220;
  const top = 20;
  const bottom = 28;
  const max = Math.max(1, ...data.map((d) => d.count));
  const slot = width / Math.max(1, data.length);
  const step = dayLabelStep(width, data.length);
  const plot = height - top - bottom;
  const total = data.reduce((sum, d) => sum + d.count, 0);
  return (
    <>
      <ChartTable title={`${title}: ${total} in ${data.length} days`} heading={['Day', 'Completed']} rows={data.map((d) => ({ key: d.date, label: formatDate(d.date), value: d.count }))} />
      {/* Else an empty box: the picture says nothing when there is nothing. */}
      {total === 0 ? (
        <p className="chart__empty">
          No tasks completed in the last {data.length} days.
        </p>
      ) : null}
      <div ref={box}>
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
                {(data.length - 1 - index) % step === 0 ? (
                  <text className="chart__label" x={x + barWidth / 2} y={height - 8} textAnchor="middle">
                    {dayFormat.format(parseIsoDate(d.date))}
                  </text>
                ) : null}
              </g>
            );
          })}
        </svg>
      </div>
    </>
  );
}
