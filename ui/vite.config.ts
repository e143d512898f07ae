import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The window is WebKitGTK (Linux) or WebKit/WebView2 elsewhere; all run modern JavaScript.
export default defineConfig({
  plugins: [svelte()],
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
});
