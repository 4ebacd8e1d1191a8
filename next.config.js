// Pollen runs Next inside its own server (server/http/), so nothing here may fetch at build or run time.
// `pollen --url-prefix flower` builds and serves the pages under /flower (Flower's --url_prefix): the
// server sets POLLEN_URL_PREFIX for the build and for the running Next, and rebuilds when it changes.
const prefix = process.env.POLLEN_URL_PREFIX ?? '';

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The server is a separate Node program that imports lib/; Next only builds app/ and components/.
  typescript: { ignoreBuildErrors: false },
  ...(prefix !== '' && { basePath: prefix }),
  env: { NEXT_PUBLIC_POLLEN_URL_PREFIX: prefix },
};

export default nextConfig;
