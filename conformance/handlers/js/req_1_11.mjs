// 1-11 Step with retry: fails on the first attempt, succeeds on the second.
import { JitterStrategy, createRetryStrategy, withDurableExecution } from "@aws/durable-execution-sdk-js";

const retryStrategy = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 1 }, jitter: JitterStrategy.NONE });

export const handler = withDurableExecution(async (event, context) =>
  context.step(async (stepContext) => {
    if (stepContext.attempt < 2) throw new Error(`attempt ${stepContext.attempt} failed`);
    return "Operation succeeded";
  }, { retryStrategy }));
