import type { NextConfig } from "next";

// Static export served by finchat-gateway at "/": every route is `route/index.html`,
// no server features (no API routes, middleware, image optimisation or remote fonts).
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
  productionBrowserSourceMaps: false,
};

export default config;
