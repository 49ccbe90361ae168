"use client";

import { useEffect } from "react";

/** "/" goes to the dashboard (which sends to the sign-in page when there is no session). */
export function HomeRedirect() {
  useEffect(() => {
    window.location.replace("/dashboard/");
  }, []);
  return (
    <div className="auth-wrap" role="status">
      <a href="/dashboard/">Open your dashboard</a>
    </div>
  );
}
