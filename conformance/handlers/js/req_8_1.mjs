// 8-1 Parallel basic: "parallel" with two branches, each one step, one at a time.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const result = await context.parallel("parallel", [
    async (ctx) => ctx.step(async () => "task-1"),
    async (ctx) => ctx.step(async () => "task-2"),
  ], { maxConcurrency: 1 });
  return result.getResults();
});
