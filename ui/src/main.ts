import { mount } from "svelte";
import App from "./App.svelte";
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

export default mount(App, { target });
