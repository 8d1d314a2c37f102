// 4-3 Create callback with a 5-second timeout that nobody answers: the execution fails.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event, context) => {
  const [callbackPromise] = await context.createCallback(event, { timeout: { seconds: 5 } });
  return callbackPromise;
});
