// 6-3 Wait-for-condition named "poll-status": a counter polled until it reaches 2.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.waitForCondition("poll-status", async (state) => state + 1, {
    initialState: 0,
    waitStrategy: (state) => (state < 2 ? { shouldContinue: true, delay: { seconds: 1 } } : { shouldContinue: false }),
  }));
