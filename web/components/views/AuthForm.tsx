"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api, errorMessage, ApiError } from "@/lib/api";

function safeNext(): string {
  if (typeof window === "undefined") return "/dashboard/";
  const n = new URLSearchParams(window.location.search).get("next");
  // Only same-origin paths: never an absolute or protocol-relative URL.
  return n && n.startsWith("/") && !n.startsWith("//") && !n.startsWith("/login") ? n : "/dashboard/";
}

export function AuthForm({ mode }: { mode: "login" | "register" }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const isLogin = mode === "login";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!isLogin) await api("/auth/register", { json: { email, password, name }, noRecover: true });
      await api("/auth/login", { json: { email, password }, noRecover: true });
      window.location.assign(safeNext());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError("That email and password don't match an account.");
      else if (err instanceof ApiError && err.status === 409) setError("An account with this email already exists. Sign in instead.");
      else setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <div className="auth-wrap">
      <main className="card auth-card">
        <div className="brand" aria-hidden="true">
          <span className="brand-mark">f</span>
          <span>finchat</span>
        </div>
        <div>
          <h1>{isLogin ? "Sign in" : "Create your account"}</h1>
          <p className="muted" style={{ marginTop: 4 }}>
            {isLogin ? "Your finances, and an assistant that knows them." : "Start with the demo data or import your own."}
          </p>
        </div>
        <form className="stack" onSubmit={submit} noValidate={false}>
          {!isLogin && (
            <div className="field">
              <label htmlFor="name">Name</label>
              <input id="name" className="input" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
            </div>
          )}
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" className="input" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              className="input"
              type="password"
              autoComplete={isLogin ? "current-password" : "new-password"}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
              minLength={isLogin ? undefined : 10}
              maxLength={256}
              aria-describedby={isLogin ? undefined : "password-hint"}
            />
            {!isLogin && <span className="hint" id="password-hint">At least 10 characters.</span>}
          </div>
          {error ? (
            <div className="alert alert-bad" role="alert">
              {error}
            </div>
          ) : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? (isLogin ? "Signing in…" : "Creating account…") : isLogin ? "Sign in" : "Create account"}
          </button>
        </form>
        <p className="small muted">
          {isLogin ? (
            <>
              New to finchat? <Link href="/register/">Create an account</Link>
            </>
          ) : (
            <>
              Already have an account? <Link href="/login/">Sign in</Link>
            </>
          )}
        </p>
        {isLogin && <p className="hint">Demo: demo@finchat.dev / DemoPass2026!</p>}
      </main>
    </div>
  );
}
