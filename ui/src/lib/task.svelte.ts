import { errorMessage } from "./ipc";

/**
 * The actions of a dialog: `busy` while one runs (the dialog disables its buttons), `error` the
 * sentence of the last one's failure ("" once another starts). One per dialog.
 */
export class Task {
  busy = $state(false);
  error = $state("");

  /** Runs `work`, busy meanwhile; a failure becomes `error`. */
  async run(work: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.error = "";
    try {
      await work();
    } catch (e) {
      this.error = errorMessage(e);
    } finally {
      this.busy = false;
    }
  }
}
