"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { AuthGate, useAuth } from "./auth";
import { Icon } from "./icons";

const NAV = [
  { href: "/dashboard/", label: "Dashboard", icon: Icon.dashboard },
  { href: "/chat/", label: "Chat", icon: Icon.chat },
  { href: "/transactions/", label: "Transactions", icon: Icon.transactions },
  { href: "/analytics/", label: "Analytics", icon: Icon.analytics },
  { href: "/insights/", label: "Insights", icon: Icon.insights },
  { href: "/simulator/", label: "Simulator", icon: Icon.simulator },
  { href: "/budgets/", label: "Budgets", icon: Icon.budgets },
  { href: "/rules/", label: "Rules", icon: Icon.rules },
  { href: "/settings/", label: "Settings", icon: Icon.settings },
  { href: "/status/", label: "Status", icon: Icon.status },
];

function Brand() {
  return (
    <Link href="/dashboard/" className="brand" aria-label="finchat home">
      <span className="brand-mark" aria-hidden="true">f</span>
      <span>finchat</span>
    </Link>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname() ?? "/";
  const { user, logout } = useAuth();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);
  const current = (href: string) => pathname === href || pathname + "/" === href || pathname.startsWith(href);
  return (
    <div className={`shell ${open ? "nav-open" : ""}`}>
      <a href="#main" className="skip-link">Skip to content</a>
      <div className="topbar">
        <Brand />
        <button type="button" className="btn btn-ghost icon-btn" aria-expanded={open} aria-controls="sidebar" onClick={() => setOpen((o) => !o)}>
          {open ? <Icon.close /> : <Icon.menu />}
          <span className="sr-only">{open ? "Close menu" : "Open menu"}</span>
        </button>
      </div>
      {open ? <button type="button" className="nav-backdrop" aria-label="Close menu" onClick={() => setOpen(false)} /> : null}
      <aside className="sidebar" id="sidebar">
        <Brand />
        <nav aria-label="Main">
          <div className="nav">
            {NAV.map(({ href, label, icon: Ic }) => (
              <Link key={href} href={href} aria-current={current(href) ? "page" : undefined}>
                <Ic />
                {label}
              </Link>
            ))}
          </div>
        </nav>
        <div className="sidebar-foot">
          <div className="user-chip" title={user?.email}>
            Signed in as <strong>{user?.name || user?.email}</strong>
          </div>
          <button type="button" className="btn btn-sm" onClick={() => void logout()}>
            Sign out
          </button>
        </div>
      </aside>
      <main className="main" id="main">
        {children}
      </main>
    </div>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  return (
    <AuthGate>
      <Shell>{children}</Shell>
    </AuthGate>
  );
}
