"use client";

import { createContext, useCallback, useContext, useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { api, ApiError, errorMessage, refreshSession, setReauthHandler } from "@/lib/api";
import type { User } from "@/lib/types";

interface AuthCtx {
  user: User | null;
  logout: () => Promise<void>;
  /** Replaces the signed-in user after PATCH /me changed it (base currency, time zone). */
  setUser: (u: User) => void;
}
const Ctx = createContext<AuthCtx>({ user: null, logout: async () => {}, setUser: () => {} });
export const useAuth = () => useContext(Ctx);

/** The user's base currency (SPEC §15): the currency every total is converted to; USD until
 * the server says otherwise. */
export function useBaseCurrency(): string {
  return useContext(Ctx).user?.base_currency || "USD";
}

export function loginUrl(): string {
  const here = typeof window === "undefined" ? "/" : window.location.pathname + window.location.search;
  return `/login/?next=${encodeURIComponent(here)}`;
}

/** Loads the signed-in user (refreshing the session once if needed) or sends to /login/. */
export function AuthGate({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [failed, setFailed] = useState<unknown>(null);
  const [reauth, setReauth] = useState<null | ((ok: boolean) => void)>(null);

  const loadMe = useCallback(async () => {
    setFailed(null);
    try {
      let me: { user: User };
      try {
        me = await api<{ user: User }>("/me", { noRecover: true });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 401) throw e;
        if (!(await refreshSession())) {
          window.location.replace(loginUrl());
          return;
        }
        me = await api<{ user: User }>("/me", { noRecover: true });
      }
      setUser(me.user);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) window.location.replace(loginUrl());
      else setFailed(e);
    }
  }, []);

  useEffect(() => {
    void loadMe();
  }, [loadMe]);

  // While signed in, an expired session that cannot be refreshed opens a sign-in dialog over
  // the page; the request that hit it resumes once the user signs in again.
  const pending = useRef<Promise<boolean> | null>(null);
  useEffect(() => {
    if (!user) return;
    setReauthHandler(() => {
      if (!pending.current) {
        pending.current = new Promise<boolean>((resolve) => setReauth(() => resolve)).finally(() => {
          pending.current = null;
          setReauth(null);
        });
      }
      return pending.current;
    });
    return () => setReauthHandler(null);
  }, [user]);

  const logout = useCallback(async () => {
    try {
      await api("/auth/logout", { method: "POST", noRecover: true });
    } catch {
      /* signed out locally either way */
    }
    try {
      sessionStorage.clear();
    } catch {
      /* ignore */
    }
    window.location.assign("/login/");
  }, []);

  if (failed) {
    return (
      <div className="auth-wrap">
        <div className="card auth-card" role="alert">
          <h1>Can&apos;t reach finchat</h1>
          <p className="muted">{errorMessage(failed)}</p>
          <button type="button" className="btn btn-primary" onClick={() => void loadMe()}>
            Try again
          </button>
        </div>
      </div>
    );
  }
  if (!user) {
    return (
      <div className="auth-wrap" role="status" aria-live="polite">
        <span className="muted">Loading your workspace…</span>
      </div>
    );
  }
  return (
    <Ctx.Provider value={{ user, logout, setUser }}>
      {children}
      {reauth ? <ReauthDialog email={user.email} onDone={reauth} /> : null}
    </Ctx.Provider>
  );
}

function ReauthDialog({ email, onDone }: { email: string; onDone: (ok: boolean) => void }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/auth/login", { json: { email, password }, noRecover: true });
      onDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="dialog-backdrop">
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="reauth-title" onSubmit={submit}>
        <h2 id="reauth-title">Your session expired</h2>
        <p className="muted small">Sign in again to continue where you left off. Nothing you typed is lost.</p>
        <div className="field">
          <label htmlFor="reauth-email">Email</label>
          <input id="reauth-email" className="input" value={email} readOnly />
        </div>
        <div className="field">
          <label htmlFor="reauth-password">Password</label>
          <input id="reauth-password" className="input" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
        </div>
        {error ? <div className="alert alert-bad" role="alert">{error}</div> : null}
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <button type="button" className="btn" onClick={() => { onDone(false); window.location.assign(loginUrl()); }}>
            Sign out
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in and continue"}
          </button>
        </div>
      </form>
    </div>
  );
}
