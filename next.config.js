// Pollen runs Next inside its own server (server/http/), so nothing here may fetch at build or run time.
// `pollen --url-prefix flower` builds and serves the pages under /flower (Flower's --url_prefix): the
// server sets POLLEN_URL_PREFIX for the build and for the running Next, and rebuilds when it changes.
const prefix = process.env.POLLEN_URL_PREFIX ?? '';
// Each prefix gets its own build, so switching between prefixes (or serving two at once) never rebuilds
// under a running server; POLLEN_NEXT_BUILD names a build of its own (a second checkout's tests running
// beside the first). server/http/next-build.ts names the same folder (nextDistDir).
const buildName = process.env.POLLEN_NEXT_BUILD || prefix.replace(/[^A-Za-z0-9_-]/g, '_');
const distDir = buildName === '' ? '.next' : `.next-prefix/${buildName}`;

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The server is a separate Node program that imports lib/; Next only builds app/ and components/.
  // Any other build reads a tsconfig that server/http/next-build.ts writes beside its folder: Next adds its
  // build folder's type globs to the tsconfig it reads, and the repository's must stay as committed.
  // Next's own type-check is skipped: after compiling, it checks the whole repository again on every
  // user's first start (7 to 30 s on 2 cores, 40 % of the build's CPU time, its peak memory doubled from
  // 0.7 to 1.4 GB), while `npm run typecheck` (tsc --noEmit, in the tests) checks the same code before it
  // is committed.
  typescript: { ignoreBuildErrors: true, ...(distDir !== '.next' && { tsconfigPath: `${distDir}.tsconfig.json` }) },
  distDir,
  ...(prefix !== '' && { basePath: prefix }),
  env: { NEXT_PUBLIC_POLLEN_URL_PREFIX: prefix },
};

export default nextConfig;
