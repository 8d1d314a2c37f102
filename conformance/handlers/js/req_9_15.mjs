// 9-15 Map whose second iteration waits 1 second: the replay skips the finished first iteration.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const result = await context.map("suspending", ["r0", "r1"], async (ctx, item, index) => {
    if (index === 1) await ctx.wait({ seconds: 1 });
    return ctx.step(async () => item);
  }, { maxConcurrency: 1 });
  return result.getResults();
});
