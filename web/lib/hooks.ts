"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { api, type RequestOptions } from "./api";

export interface Query<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (fn: (d: T | undefined) => T | undefined) => void;
}

/** GET @path (null = skip) and keep the result; re-runs when path or the query changes. */
export function useQuery<T>(path: string | null, query?: RequestOptions["query"], opts: { intervalMs?: number } = {}): Query<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState<boolean>(path != null);
  const qkey = JSON.stringify(query ?? {});
  const seq = useRef(0);

  const load = useCallback(
    async (background = false) => {
      if (path == null) return;
      const my = ++seq.current;
      if (!background) setLoading(true);
      try {
        const d = await api<T>(path, { query: JSON.parse(qkey) });
        if (my === seq.current) {
          setDataState(d);
          setError(null);
        }
      } catch (e) {
        if (my === seq.current) setError(e);
      } finally {
        if (my === seq.current) setLoading(false);
      }
    },
    [path, qkey],
  );

  useEffect(() => {
    void load();
    if (!opts.intervalMs) return;
    const h = setInterval(() => {
      if (document.visibilityState === "visible") void load(true);
    }, opts.intervalMs);
    return () => clearInterval(h);
  }, [load, opts.intervalMs]);

  return {
    data,
    error,
    loading,
    reload: () => load(),
    setData: (fn) => setDataState((d) => fn(d)),
  };
}

/** Debounces a changing value. */
export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}
