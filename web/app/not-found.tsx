import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <div className="auth-wrap">
      <main className="card auth-card" style={{ textAlign: "center" }}>
        <h1>Page not found</h1>
        <p className="muted">There is no page at this address.</p>
        <Link href="/dashboard/" className="btn btn-primary">
          Go to your dashboard
        </Link>
      </main>
    </div>
  );
}
