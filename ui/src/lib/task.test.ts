import { describe, expect, it } from "vitest";
import { Task } from "./task.svelte";

describe("Task", () => {
  it("is busy while the work runs and clears the last error when it starts", async () => {
    const task = new Task();
    task.error = "an earlier failure";
    let finish: () => void = () => {};
    const running = task.run(() => new Promise<void>((done) => (finish = done)));
    expect(task.busy).toBe(true);
    expect(task.error).toBe("");
    finish();
    await running;
    expect(task.busy).toBe(false);
    expect(task.error).toBe("");
  });

  it("turns a failure into its sentence and is no longer busy", async () => {
    const task = new Task();
    await task.run(() => Promise.reject({ type: "Invalid", message: "that port is taken" }));
    expect(task.busy).toBe(false);
    expect(task.error, "as errorMessage words it").toBe("That port is taken");
  });
});
