"use client";

// Charts on recharts. Each chart is measured by its own ResizeObserver and drawn at that exact
// size (no 0×0 first render, no console warnings), in the palette's CSS variables so light and
// dark themes both work.

import { useEffect, useRef, useState, type ReactNode } from "react";
import {
  Area, AreaChart, Bar, CartesianGrid, Cell, ComposedChart, Legend, Line, LineChart, Pie, PieChart, Tooltip, XAxis, YAxis,
} from "recharts";
import { money, monthLabel } from "@/lib/format";

export const PALETTE = ["var(--chart-1)", "var(--chart-2)", "var(--chart-3)", "var(--chart-4)", "var(--chart-5)", "var(--chart-6)", "var(--chart-7)", "var(--chart-8)"];

function Sized({ height, label, children }: { height: number; label: string; children: (w: number, h: number) => ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(Math.floor(el.getBoundingClientRect().width)));
    ro.observe(el);
    setW(Math.floor(el.getBoundingClientRect().width));
    return () => ro.disconnect();
  }, []);
  return (
    <div ref={ref} className="chart" style={{ height }} role="img" aria-label={label}>
      {w > 0 ? children(w, height) : null}
    </div>
  );
}

const axis = { stroke: "var(--text-3)", fontSize: 12, tickLine: false, axisLine: false } as const;
const tooltipStyle = {
  contentStyle: { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)", fontSize: 13 },
  labelStyle: { color: "var(--text-2)", fontWeight: 600 },
  itemStyle: { color: "var(--text)" },
  cursor: { fill: "var(--surface-2)", opacity: 0.6 },
};

export function CashflowChart({ data, currency, height = 260 }: { data: Array<{ month: string; income_minor: number; expenses_minor: number; net_minor: number }>; currency: string; height?: number }) {
  const rows = data.map((d) => ({ ...d, label: monthLabel(d.month), expenses_pos: Math.abs(d.expenses_minor) }));
  return (
    <Sized height={height} label={`Cash flow over ${data.length} months: income, expenses and net`}>
      {(w, h) => (
        <ComposedChart width={w} height={h} data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey="label" {...axis} />
          <YAxis {...axis} width={56} tickFormatter={(v: number) => money(v, currency, { compact: true })} />
          <Tooltip {...tooltipStyle} formatter={(v) => money(Number(v), currency)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="income_minor" name="Income" fill="var(--chart-2)" radius={[4, 4, 0, 0]} maxBarSize={28} />
          <Bar dataKey="expenses_pos" name="Expenses" fill="var(--chart-3)" radius={[4, 4, 0, 0]} maxBarSize={28} />
          <Line dataKey="net_minor" name="Net" stroke="var(--chart-1)" strokeWidth={2.5} dot={{ r: 3 }} type="monotone" />
        </ComposedChart>
      )}
    </Sized>
  );
}

export function CategoryDonut({ items, currency, height = 220 }: { items: Array<{ category: string; amount_minor: number; share_pct: number }>; currency: string; height?: number }) {
  const rows = items.map((i) => ({ ...i, value: Math.abs(i.amount_minor) }));
  return (
    <Sized height={height} label={`Spending by category: ${items.map((i) => `${i.category} ${i.share_pct.toFixed(0)}%`).join(", ")}`}>
      {(w, h) => (
        <PieChart width={w} height={h}>
          <Pie data={rows} dataKey="value" nameKey="category" innerRadius="58%" outerRadius="88%" paddingAngle={2} stroke="var(--surface)" isAnimationActive={false}>
            {rows.map((_, i) => (
              <Cell key={i} fill={PALETTE[i % PALETTE.length]} />
            ))}
          </Pie>
          <Tooltip {...tooltipStyle} formatter={(v) => money(Number(v), currency)} />
        </PieChart>
      )}
    </Sized>
  );
}

export function NetWorthChart({ data, currency, height = 260 }: { data: Array<{ month: string; net_worth_minor: number }>; currency: string; height?: number }) {
  const rows = data.map((d) => ({ ...d, label: monthLabel(d.month) }));
  return (
    <Sized height={height} label="Net worth by month">
      {(w, h) => (
        <AreaChart width={w} height={h} data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <defs>
            <linearGradient id="nw" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="var(--chart-1)" stopOpacity={0.35} />
              <stop offset="100%" stopColor="var(--chart-1)" stopOpacity={0} />
            </linearGradient>
          </defs>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey="label" {...axis} />
          <YAxis {...axis} width={60} tickFormatter={(v: number) => money(v, currency, { compact: true })} />
          <Tooltip {...tooltipStyle} formatter={(v) => money(Number(v), currency)} />
          <Area dataKey="net_worth_minor" name="Net worth" stroke="var(--chart-1)" strokeWidth={2.5} fill="url(#nw)" type="monotone" />
        </AreaChart>
      )}
    </Sized>
  );
}

export interface SeriesSpec { key: string; name: string; color: string; dashed?: boolean }

export function MultiLineChart({ rows, series, xKey, currency, height = 300, label }: { rows: Array<Record<string, number | string | null>>; series: SeriesSpec[]; xKey: string; currency: string; height?: number; label: string }) {
  return (
    <Sized height={height} label={label}>
      {(w, h) => (
        <LineChart width={w} height={h} data={rows} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey={xKey} {...axis} minTickGap={24} />
          <YAxis {...axis} width={60} tickFormatter={(v: number) => money(v, currency, { compact: true })} />
          <Tooltip {...tooltipStyle} formatter={(v) => money(Number(v), currency)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s) => (
            <Line key={s.key} dataKey={s.key} name={s.name} stroke={s.color} strokeWidth={s.dashed ? 2 : 2.5} strokeDasharray={s.dashed ? "6 4" : undefined} dot={false} type="monotone" isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      )}
    </Sized>
  );
}

export function CategoryLegend({ items, currency }: { items: Array<{ category: string; amount_minor: number; share_pct: number }>; currency: string }) {
  return (
    <ul className="list">
      {items.map((c, i) => (
        <li key={c.category}>
          <span className="ellipsis">
            <i style={{ display: "inline-block", width: 10, height: 10, borderRadius: 3, background: PALETTE[i % PALETTE.length], marginRight: 8 }} aria-hidden="true" />
            {c.category}
          </span>
          <span className="row nowrap" style={{ gap: 8 }}>
            <span className="muted small num">{c.share_pct.toFixed(1)}%</span>
            <span className="num" data-minor={c.amount_minor}>{money(Math.abs(c.amount_minor), currency)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
