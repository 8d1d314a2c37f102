// 3-6 Nested child contexts, each with a step returning the input.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.runInChildContext("outer", async (outer) => {
    await outer.step(async () => event);
    return outer.runInChildContext("inner", async (inner) => inner.step(async () => event));
  }));
