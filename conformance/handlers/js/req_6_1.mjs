// 6-1 Wait-for-condition basic: a counter from 0 polled until it reaches the input (3).
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) =>
  context.waitForCondition(async (state) => state + 1, {
    initialState: 0,
    waitStrategy: (state) => (state < event ? { shouldContinue: true, delay: { seconds: 1 } } : { shouldContinue: false }),
  }));
