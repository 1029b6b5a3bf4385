import { defineConfig } from "vite";

export default defineConfig({
  // The web target loads its .wasm with `new URL(..., import.meta.url)`; pre-bundling would
  // move the JS away from it in `vite dev`, so the package is excluded (what docs/npm.md advises).
  optimizeDeps: { exclude: ["evolvy-widget"] },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
  logLevel: "warn",
});
