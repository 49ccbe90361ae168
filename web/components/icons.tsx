// Inline SVG icons (no icon font, no CDN). Decorative: aria-hidden.
import type { ReactNode } from "react";

function I({ children, size = 18 }: { children: ReactNode; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const Icon = {
  dashboard: () => <I><rect x="3" y="3" width="7" height="9" rx="1.5" /><rect x="14" y="3" width="7" height="5" rx="1.5" /><rect x="14" y="12" width="7" height="9" rx="1.5" /><rect x="3" y="16" width="7" height="5" rx="1.5" /></I>,
  chat: () => <I><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12Z" /></I>,
  transactions: () => <I><path d="M4 7h13l-3-3M20 17H7l3 3" /></I>,
  analytics: () => <I><path d="M4 20V10M10 20V4M16 20v-7M22 20H2" /></I>,
  insights: () => <I><path d="M12 3a6 6 0 0 0-3.5 10.9V17h7v-3.1A6 6 0 0 0 12 3ZM9.5 21h5" /></I>,
  simulator: () => <I><path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" /><circle cx="16" cy="6" r="2" /><circle cx="10" cy="12" r="2" /><circle cx="18" cy="18" r="2" /></I>,
  budgets: () => <I><circle cx="12" cy="12" r="9" /><path d="M12 3v9l6.4 6.4" /></I>,
  rules: () => <I><path d="M4 6h9M4 12h7M4 18h5" /><path d="m14 16 2.5 2.5L21 13" /></I>,
  settings: () => <I><circle cx="12" cy="12" r="3" /><path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1Z" /></I>,
  status: () => <I><path d="M3 12h4l3-8 4 16 3-8h4" /></I>,
  menu: () => <I size={20}><path d="M4 7h16M4 12h16M4 17h16" /></I>,
  close: () => <I size={20}><path d="M6 6l12 12M18 6 6 18" /></I>,
  alert: () => <I size={20}><path d="M12 9v4M12 17h.01M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" /></I>,
  plus: () => <I size={16}><path d="M12 5v14M5 12h14" /></I>,
  send: () => <I size={16}><path d="M22 2 11 13M22 2l-7 20-4-9-9-4 20-7Z" /></I>,
  stop: () => <I size={16}><rect x="6" y="6" width="12" height="12" rx="2" /></I>,
  refresh: () => <I size={16}><path d="M21 12a9 9 0 1 1-2.6-6.4L21 8M21 3v5h-5" /></I>,
  lookup: () => <I size={13}><circle cx="11" cy="11" r="7" /><path d="m20 20-4-4" /></I>,
  sparkle: () => <I size={18}><path d="M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5 18 18M6 18l2.5-2.5M15.5 8.5 18 6" /></I>,
};
