import { mount } from "svelte";
import App from "./App.svelte";
import Palette from "./lib/Palette.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) {
  throw new Error("index.html has no #app element");
}

// The quick-copy palette is a second window on the same bundle (src-tauri/src/palette.rs).
export default mount(location.hash === "#palette" ? Palette : App, { target });
