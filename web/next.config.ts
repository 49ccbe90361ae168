import type { NextConfig } from "next";
import path from "node:path";

// Static export served by finchat-gateway at "/": every route is `route/index.html`,
// no server features (no API routes, middleware, image optimisation or remote fonts).
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  productionBrowserSourceMaps: false,
  // The repository root, so that lib/format.ts can import the currency table shared with the
  // C services (../proto/currencies.json) instead of keeping a copy.
  turbopack: { root: path.join(__dirname, "..") },
};

export default config;
