// 9-1 Map basic: "map" over the input, each iteration one greeting step, one at a time.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const result = await context.map("map", event, async (ctx, item) => ctx.step(async () => `Hello, ${item}!`),
    { maxConcurrency: 1 });
  return result.getResults();
});
