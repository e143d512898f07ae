import { mount } from "svelte";
import App from "./App.svelte";
import Palette from "./lib/Palette.svelte";
import { commands } from "./lib/bindings";
import { FIRST_ROWS } from "./lib/list";
import { applyTheme } from "./lib/settings";
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

if (location.hash === "#palette") {
  // The quick-copy palette is a second window on the same bundle (src-tauri/src/palette.rs).
  mount(Palette, { target });
} else {
  // One round trip brings the whole first screen (the vault unlocked at launch, its first rows
  // with their codes, the theme), so the window is drawn once, already filled. Should it fail,
  // the app asks for the vault's status itself.
  commands.firstScreen(FIRST_ROWS).then(
    (first) => {
      applyTheme(first.settings.theme);
      mount(App, { target, props: { first } });
    },
    () => {
      applyTheme("system");
      mount(App, { target, props: { first: null } });
    },
  );
}
