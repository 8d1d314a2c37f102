// 1-20 Error caught and handled: a failed step is caught, a second step runs.
import { createRetryStrategy, withDurableExecution } from "@aws/durable-execution-sdk-js";

const noRetry = createRetryStrategy({ maxAttempts: 1 });

export const handler = withDurableExecution(async (event, context) => {
  try {
    return await context.step(async () => { throw new Error("step failed"); }, { retryStrategy: noRetry });
  } catch {
    return context.step(async () => "fallback_result");
  }
});
