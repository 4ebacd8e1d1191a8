// Pollen runs Next inside its own server (server/http/), so nothing here may fetch at build or run time.
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The server is a separate Node program that imports lib/; Next only builds app/ and components/.
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
