import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The window is WebKitGTK (Linux) or WebKit/WebView2 elsewhere; all run modern JavaScript.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  // Vitest runs components in happy-dom: take Svelte's browser build, not its server build.
  resolve: mode === "test" ? { conditions: ["browser"] } : {},
  // Relative asset URLs: the app serves ui/dist from its own origin.
  base: "./",
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari16",
    // No inline <script>/<style> or data: modules: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
}));
