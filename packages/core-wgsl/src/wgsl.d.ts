// WGSL sources are imported as text: esbuild's text loader in builds, a Vite plugin in tests.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
