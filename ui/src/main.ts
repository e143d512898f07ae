import { mount } from "svelte";
import App from "./App.svelte";
import Palette from "./lib/Palette.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) {
  throw new Error("index.html has no #app element");
}

// A file dropped where nothing reads it must not replace the page (the webview would open it):
// the add dialog handles drops itself (tauri.conf.json leaves drops to the page:
// "dragDropEnabled": false).
for (const type of ["dragover", "drop"] as const) {
  window.addEventListener(type, (event) => event.preventDefault());
}

// The quick-copy palette is a second window on the same bundle (src-tauri/src/palette.rs).
export default mount(location.hash === "#palette" ? Palette : App, { target });
